"""Review in Word (issue 18): review.docx holds every edit as a tracked change and every warning
as a comment; ``accept`` reads back what the reviewer rejected into the page's overrides file,
and the rebuild keeps exactly those words as they were."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from lxml import etree

from pipeline.stages.restore import numbers
from pipeline.stages.restore import swaps
from pipeline.edit_ids import edit_id
from pipeline.options import Options
from pipeline.run.overrides import add_rejections
from pipeline.stages.restore import restore_text
from pipeline.review.stagediff import BuildFolder
from pipeline.review.accept import decide, docx_text
from pipeline.review.word import render_review_docx

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "samples" / "huiwen-728690.txt"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DATE = "2023-04-14T00:00:00Z"  # the sample's site date


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=REPO)


def _build(tmp: Path) -> Path:
    """The sample copied into ``tmp/pages`` (accept writes beside the page) and built."""
    (tmp / "pages").mkdir(parents=True)
    page = tmp / "pages" / SAMPLE.name
    shutil.copy(SAMPLE, page)
    r = _run("build", str(page), "--out", str(tmp / "build"), "--formats", "docx", "--no-page-count")
    assert r.returncode == 0, r.stderr
    return tmp / "build" / SAMPLE.stem


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _build(tmp_path_factory.mktemp("word"))
    r = _run("review", str(folder), "--docx")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{folder / 'review.docx'}: 235 edits as tracked changes, 15 warnings as comments\n"
    return folder


def _built_docx(folder: Path) -> Path:
    return folder / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]["docx"]


def _xml(data: bytes, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(part))


def _edits(folder: Path) -> list[dict]:
    return [json.loads(ln) for ln in (folder / "edits.jsonl").read_text(encoding="utf-8").splitlines() if ln]


def _reject(data: bytes, eid: str) -> bytes:
    """What Word's Reject does to one change: its w:ins removed, its w:del unwrapped."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(zin.read("word/document.xml"))
    start = root.find(f".//{W}bookmarkStart[@{W}name='_s2d_{eid}']")
    el = start.getnext()
    while el is not None and el.tag != f"{W}bookmarkEnd":
        nxt = el.getnext()
        if el.tag == f"{W}ins":
            el.getparent().remove(el)
        elif el.tag == f"{W}del":
            for r in list(el):
                for t in r.iter(f"{W}delText"):
                    t.tag = f"{W}t"
                el.addprevious(r)
            el.getparent().remove(el)
        el = nxt
    return _replace_document(zin, root)


def _replace_document(zin: zipfile.ZipFile, root: etree._Element) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) \
                if info.filename == "word/document.xml" else zin.read(info)
            z.writestr(info, data)
    return out.getvalue()


def _fazhan(folder: Path, block: str = "b0027") -> dict:
    """The 开展→发展 the tests reject: the one in 发展资源 (城乡之间党的组织资源、发展资源)."""
    (e,) = [e for e in _edits(folder) if e["rule"] == "swap.fazhan" and e["block"] == block and e["start"] == 114]
    return e


# --- review.docx ----------------------------------------------------------------------------

def test_review_docx_holds_every_edit_as_a_tracked_change_and_every_warning_as_a_comment(reviewed: Path) -> None:
    data = (reviewed / "review.docx").read_bytes()
    root = _xml(data)
    ins, dels = root.findall(f".//{W}ins"), root.findall(f".//{W}del")
    assert (len(ins), len(dels)) == (238, 235)  # 235 restore edits + the renderer's 3 heading numbers 一、二、三、
    assert {(x.get(f"{W}author"), x.get(f"{W}date")) for x in ins + dels} == {("scrape2doc", DATE)}
    marks = [b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")]
    restore_ids = [e["id"] for e in _edits(reviewed) if e["stage"] == "restore"]
    assert sorted(m[len("_s2d_"):] for m in marks) == sorted(restore_ids) and len(marks) == 235
    comments = _xml(data, "word/comments.xml").findall(f"{W}comment")
    assert len(comments) == 15 and {c.get(f"{W}author") for c in comments} == {"scrape2doc"}
    texts = ["".join(c.itertext()) for c in comments]
    assert sum("[num.year-digits] year has 6 digits; site damage; cannot restore" in t for t in texts) == 2
    assert sum(t.startswith("[swap.xiangmu] 工程 may stand for 项目") for t in texts) == 4
    # a comment is anchored on the words it concerns: the mangled year 202223
    anchored = {}
    for start in root.iter(f"{W}commentRangeStart"):
        cid, words, el = start.get(f"{W}id"), "", start.getnext()
        while not (el.tag == f"{W}commentRangeEnd" and el.get(f"{W}id") == cid):
            words += "".join(t.text for t in el.iter(f"{W}t"))
            el = el.getnext()
        anchored[cid] = words
    assert sorted(w for w in anchored.values() if w.startswith("2022")) == ["202223", "202223"]
    assert list(_xml(data, "word/settings.xml").iter(f"{W}trackRevisions"))  # the reviewer's typing is tracked


def test_accept_all_is_the_built_docx_and_reject_all_the_clean_text(reviewed: Path) -> None:
    data = (reviewed / "review.docx").read_bytes()
    assert docx_text(data, "accept") == docx_text(_built_docx(reviewed).read_bytes(), "accept")
    clean = [b["text"] for b in json.loads((reviewed / "02-clean.json").read_text(encoding="utf-8"))["blocks"]
             if b["layer"] == "body"]
    assert docx_text(data, "reject") == clean
    assert docx_text(data, "reject")[3] == "充分认识基层党建工作创新开展面临的机遇和挑战"  # no 一、 either


def test_review_docx_is_deterministic(reviewed: Path) -> None:
    assert render_review_docx(BuildFolder(reviewed))[0] == (reviewed / "review.docx").read_bytes()


def test_edit_ids_are_stable_across_rebuilds(reviewed: Path, tmp_path: Path) -> None:
    again = _build(tmp_path)
    assert [e["id"] for e in _edits(again)] == [e["id"] for e in _edits(reviewed)]
    e = _fazhan(reviewed)
    assert e["id"] == edit_id("restore", "swap.fazhan", "b0027", 114, 116, "开展", "发展")
    assert len({x["id"] for x in _edits(reviewed)}) == len(_edits(reviewed))


@pytest.mark.needs("soffice")
def test_libreoffice_opens_review_docx_and_shows_the_changes(reviewed: Path, tmp_path: Path) -> None:
    shutil.copy(reviewed / "review.docx", tmp_path / "review.docx")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "review.docx")], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "review.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "城乡党建推动科学开展发展调研报告" in text  # the deleted word shown beside the inserted one


# --- reading decisions back -----------------------------------------------------------------

def test_round_trip_one_rejected_change_holds_in_every_later_build(reviewed: Path, tmp_path: Path) -> None:
    folder = _build(tmp_path)
    before_docx = _built_docx(folder).read_bytes()
    before_ids = {e["id"] for e in _edits(folder)}
    target = _fazhan(folder)
    (tmp_path / "reviewed.docx").write_bytes(_reject((reviewed / "review.docx").read_bytes(), target["id"]))
    r = _run("accept", str(folder), str(tmp_path / "reviewed.docx"), "--no-page-count")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == ["reviewed.docx: 234 edits kept, 1 rejected, 0 retyped (kept as built)",
                                         f"rejected {target['id']}  b0027  开展→发展 [swap.fazhan]"]
    overrides = (tmp_path / "pages" / f"{SAMPLE.stem}.overrides.toml").read_text(encoding="utf-8")
    assert overrides == ("reject_edits = [  # single edits rejected in review; ids from edits.jsonl\n"
                         f'  "{target["id"]}",  # b0027 开展→发展 [swap.fazhan]\n]\n')
    assert {e["id"] for e in _edits(folder)} == before_ids - {target["id"]}
    # a later build of the page (nothing cached) keeps that one 开展 and changes nothing else
    r = _run("build", str(tmp_path / "pages"), "--out", str(tmp_path / "build"), "--formats", "docx",
             "--no-page-count", "--force")
    assert r.returncode == 0, r.stderr
    old, new = "\n".join(docx_text(before_docx)), "\n".join(docx_text(_built_docx(folder).read_bytes()))
    changes = [(old[a1 - 6:a2], new[b1:b2]) for tag, a1, a2, b1, b2
               in SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if tag != "equal"]
    assert changes == [("的组织资源、发", "开")]
    assert "".join(docx_text(_built_docx(folder).read_bytes())).count("开展") == "".join(docx_text(before_docx)).count("开展") + 1


@pytest.mark.needs("soffice")
def test_decisions_survive_a_libreoffice_save(reviewed: Path, tmp_path: Path) -> None:
    """LibreOffice renumbers w:id and moves bookmarks (their end one character early after a
    comment); the bookmark names, authors and dates survive and the decision is still read."""
    target = _fazhan(reviewed)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reviewed.docx").write_bytes(_reject((reviewed / "review.docx").read_bytes(), target["id"]))
    subprocess.run(["soffice", "--headless", "--convert-to", "docx", "--outdir", str(tmp_path),
                    str(tmp_path / "in" / "reviewed.docx")], check=True, capture_output=True, timeout=180)
    saved = (tmp_path / "reviewed.docx").read_bytes()
    root = _xml(saved)
    assert len([b for b in root.iter(f"{W}bookmarkStart") if b.get(f"{W}name", "").startswith("_s2d_")]) == 235
    assert {x.get(f"{W}author") for x in root.iter(f"{W}ins", f"{W}del")} == {"scrape2doc"}
    d, _ = decide(BuildFolder(reviewed), saved, "reviewed.docx")
    assert (len(d.kept), d.rejected, d.retyped, d.stale, d.unmarked, d.not_taken) == (234, [target["id"]], [], [], [], [])


def test_the_reviewers_own_typing_is_reported_not_taken(reviewed: Path) -> None:
    data = (reviewed / "review.docx").read_bytes()
    zin = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(zin.read("word/document.xml"))
    t = next(t for t in root.iter(f"{W}t") if t.text == "党的十七届四中全会决定强调")
    t.text = "党的十七届四中全会《决定》强调"
    d, _ = decide(BuildFolder(reviewed), _replace_document(zin, root), "x.docx")
    assert (len(d.kept), d.rejected) == (235, [])
    assert d.not_taken == ["b0018: …七届四中全会{+《+}…; …四中全会决定{+》+}…"]


def test_a_decision_for_an_edit_that_no_longer_exists_is_reported(reviewed: Path, tmp_path: Path) -> None:
    """The review page's decisions file, with one id no edit has: reported, applied nowhere."""
    folder = _build(tmp_path)
    target = _fazhan(folder)
    decisions = tmp_path / "page.decisions.toml"
    decisions.write_text(f'reject_edits = ["{target["id"]}", "0123456789ab"]\n', encoding="utf-8")
    r = _run("accept", str(folder), str(decisions), "--no-page-count")
    assert r.returncode == 0, r.stderr
    assert "not applied: edit 0123456789ab is no edit of this build (rebuilt since the review?)" in r.stdout
    overrides = tmp_path / "pages" / f"{SAMPLE.stem}.overrides.toml"
    assert '"0123456789ab"' not in overrides.read_text(encoding="utf-8")
    assert f'"{target["id"]}",' in overrides.read_text(encoding="utf-8")
    # an id written by hand that matches nothing: the build says so and changes nothing for it
    overrides.write_text(overrides.read_text(encoding="utf-8").replace(target["id"], "0123456789ab"), encoding="utf-8")
    r = _run("build", str(tmp_path / "pages"), "--out", str(tmp_path / "build"), "--formats", "docx", "--no-page-count")
    assert r.returncode == 0, r.stderr
    warnings = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert [w["message"] for w in warnings if w["rule"] == "review.stale-decision"] == [
        "a rejected edit 0123456789ab (in the overrides file) matches no edit of this build: the decision was not applied"]
    assert target["id"] in {e["id"] for e in _edits(folder)}


def test_review_docx_needs_a_built_docx(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    page = tmp_path / "p" / "x.txt"
    shutil.copy(SAMPLE, page)
    assert _run("build", str(page), "--out", str(tmp_path / "b"), "--formats", "pdf", "--no-page-count").returncode == 0
    r = _run("review", str(tmp_path / "b" / "x"), "--docx")
    assert r.returncode == 1
    assert r.stderr == f"error: {tmp_path / 'b' / 'x'}: no DOCX in this build: build it with --formats docx first\n"


# --- the pieces -----------------------------------------------------------------------------

def test_restore_skips_exactly_a_rejected_edit() -> None:
    text = "推动科学开展观,促进城乡开展"
    g = swaps.gate([text + "效劳群众"])
    _, edits, _ = restore_text(text, "b0001", g, numbers.era([text]), Options())
    assert [(e.before, e.after, e.start) for e in edits] != []
    first = edits[-1]  # applied right to left: the last one is leftmost
    rid = edit_id("restore", first.rule, "b0001", first.start, first.end, first.before, first.after)
    rejected: set[str] = set()
    new, kept, _ = restore_text(text, "b0001", g, numbers.era([text]), Options(reject_edits=frozenset({rid})), rejected)
    assert rejected == {rid}
    assert [(e.rule, e.start) for e in kept] == [(e.rule, e.start) for e in edits[:-1]]
    assert new[first.start:first.start + len(first.before)] == first.before


def test_overrides_file_keeps_what_the_reviewer_wrote(tmp_path: Path) -> None:
    f = tmp_path / "page.overrides.toml"
    f.write_text('# decided on 2024-05-01\nskip_rules = ["swap.fuwu"]  # wrong here\n', encoding="utf-8")
    assert add_rejections(f, {"aaaaaaaaaaaa": "b0001 开展→发展 [swap.fazhan]"}) == ["aaaaaaaaaaaa"]
    assert add_rejections(f, {"aaaaaaaaaaaa": "again"}) == []  # already there: the file is untouched
    assert add_rejections(f, {"bbbbbbbbbbbb": "b0002 ,→， [punct.comma]"}) == ["bbbbbbbbbbbb"]
    assert f.read_text(encoding="utf-8") == (
        '# decided on 2024-05-01\nskip_rules = ["swap.fuwu"]  # wrong here\n\n'
        "reject_edits = [  # single edits rejected in review; ids from edits.jsonl\n"
        '  "aaaaaaaaaaaa",  # b0001 开展→发展 [swap.fazhan]\n'
        '  "bbbbbbbbbbbb",  # b0002 ,→， [punct.comma]\n]\n')
    assert not list(tmp_path.glob(".*tmp"))


def test_a_malformed_reject_edits_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    page = tmp_path / "p" / "x.txt"
    shutil.copy(SAMPLE, page)
    (tmp_path / "p" / "x.overrides.toml").write_text('reject_edits = ["开展"]\n', encoding="utf-8")
    r = _run("build", str(page), "--out", str(tmp_path / "b"), "--formats", "docx", "--no-page-count")
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == (f"error: {page}: x.overrides.toml: reject_edits must be a list of edit ids "
                                        "(12 hex digits, the id column of edits.jsonl)")
