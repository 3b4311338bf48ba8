"""diff and review on build folders: a synthetic one with known edits (written by the real
artifact code), and the sample built by the real pipeline, whatever its stages do today."""
from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import need

from pipeline.run.artifacts import write_folder
from pipeline.review.chardiff import hunks, place_edits
from pipeline.run.convert import assemble
from pipeline.render.fonts import available_faces, font_dir
from pipeline.model import Block, Document, Edit, Flag, PipelineError
from pipeline.options import Options
from pipeline.review.terminal import diff_command, edit_label, review_command

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "samples" / "huiwen-728690.txt"
CHROMIUM = Path("/usr/bin/chromium")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

RAW = "分享\n下载文档\n推动科学开展观: 材料\n第二段<效劳>群众\n收起\n"
BODY1, BODY2 = "推动科学开展观: 材料", "第二段<效劳>群众"


def _snapshots() -> dict[str, Document]:
    """A tiny document after each stage: chrome taken out by two profile rules, three
    restore edits (two in one block), and a title found by structure."""
    doc = Document(source="page.txt", raw=RAW, stages=["ingest"])
    snaps = {"ingest": copy.deepcopy(doc)}
    s1 = RAW.index(BODY1)
    s2 = RAW.index(BODY2)
    doc.blocks = [
        Block("b0000", "分享", layer="chrome", rule="huiwen.chrome.share", span=(0, 2)),
        Block("b0001", "下载文档", layer="chrome", rule="huiwen.chrome.download", span=(3, 7)),
        Block("b0002", BODY1, span=(s1, s1 + len(BODY1))),
        Block("b0003", BODY2, span=(s2, s2 + len(BODY2))),
        Block("b0004", "收起", layer="chrome", rule="huiwen.chrome.fold", span=(RAW.index("收起"), RAW.index("收起") + 2)),
    ]
    for b in doc.chrome:
        doc.edits.append(Edit("clean", b.rule, b.id, b.span[0], b.span[1], b.text, ""))
    doc.meta.title = "城乡党建调研报告"
    doc.stages.append("clean")
    snaps["clean"] = copy.deepcopy(doc)
    b2, b3 = doc.block("b0002"), doc.block("b0003")
    doc.edits += [Edit("restore", "swap.fazhan", "b0002", 4, 6, "开展", "发展"),
                  Edit("restore", "punct.colon", "b0002", 7, 8, ":", "："),
                  Edit("restore", "swap.fuwu", "b0003", 4, 6, "效劳", "服务")]
    b2.text = "推动科学发展观： 材料"
    b3.text = "第二段<服务>群众"
    doc.flags.append(Flag("restore", "number.embedded-year", "1202354 holds 2023: flagged, not changed",
                          "b0003", 0, 3, "<script>alert(1)</script>"))
    doc.stages.append("restore")
    snaps["restore"] = copy.deepcopy(doc)
    doc.block("b0002").kind = "title"
    doc.block("b0002").rule = "structure.title"
    doc.block("b0003").kind = "paragraph"
    doc.stages.append("structure")
    snaps["structure"] = doc
    return snaps


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    folder = tmp_path / "build" / "page"
    write_folder(folder, assemble(_snapshots(), Options(formats=(), page_count=False), "page", "x"))
    return folder


def _diff(folder: Path, *stages: str, stat: bool = False, color: str = "never") -> str:
    out = io.StringIO()
    assert diff_command(folder, list(stages), stat=stat, color=color, out=out) == 0
    return out.getvalue()


# --- character-level diff ------------------------------------------------------------------

def test_chardiff_ties_each_change_to_its_edit_and_catches_unrecorded_ones() -> None:
    old = "科学开展观和开展中国家"
    new = "科学发展观和開展中国家"  # the second change has no edit
    placed, missing = place_edits(old, [{"rule": "swap.fazhan", "start": 2, "end": 4, "before": "开展", "after": "发展", "index": 0}])
    assert missing == []
    found = hunks(old, new, placed)
    assert [(h.a_start, h.a_end, [p.edit["rule"] for p in h.edits], h.unrecorded) for h in found] == [
        (2, 4, ["swap.fazhan"], False), (6, 7, [], True)]


def test_chardiff_finds_an_edit_whose_offsets_moved_and_reports_one_that_is_absent() -> None:
    edits = [{"rule": "a", "start": 0, "end": 2, "before": "效劳", "after": "服务", "index": 0},
             {"rule": "b", "start": 0, "end": 2, "before": "不在", "after": "x", "index": 1}]
    placed, missing = place_edits("为群众效劳", edits)
    assert [(p.start, p.end) for p in placed] == [(3, 5)]
    assert [e["rule"] for e in missing] == ["b"]


def test_whitespace_only_change_is_not_reported_as_unrecorded() -> None:
    (h,) = hunks("甲 乙", "甲\n乙", [])
    assert h.whitespace and not h.unrecorded


# --- terminal diff ---------------------------------------------------------------------

def test_diff_annotates_each_change_with_its_rule_in_context(synthetic: Path) -> None:
    text = _diff(synthetic, "clean", "restore")
    assert "开展→发展 [swap.fazhan]" in text
    assert ":→： [punct.colon]" in text
    assert "效劳→服务 [swap.fuwu]" in text
    line = next(ln for ln in text.splitlines() if "[swap.fazhan]" in ln)
    assert line.startswith("b0002") and "推动科学" in line and "观" in line  # context either side
    assert "[-开-]{+发+}" in line  # character level: 展 is unchanged
    assert "no edit recorded" not in text
    assert "structure" not in text  # only the pair asked for


def test_diff_lists_chrome_with_its_profile_rule_and_marks_new_kinds(synthetic: Path) -> None:
    text = _diff(synthetic)
    chrome = text[text.index("removed chrome (3)"):]
    for rule, words in [("huiwen.chrome.share", "分享"), ("huiwen.chrome.download", "下载文档"),
                        ("huiwen.chrome.fold", "收起")]:
        assert re.search(rf"\[{re.escape(rule)}\]\s+\[-{words}-\]", chrome)
    assert "text → title [structure.title]" in text
    assert text.count("== page: ") == 3  # ingest→clean, clean→restore, restore→structure


def test_diff_is_plain_when_piped_and_coloured_when_asked(synthetic: Path) -> None:
    assert not ANSI.search(_diff(synthetic, color="auto"))  # StringIO is not a terminal
    coloured = _diff(synthetic, "clean", "restore", color="always")
    assert "\x1b[31m开\x1b[0m\x1b[32m发\x1b[0m" in coloured
    assert ANSI.sub("", coloured).count("[swap.fazhan]") == 1


def test_diff_cli_piped_has_no_ansi(synthetic: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pipeline", "diff", str(synthetic), "clean", "restore"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "开展→发展 [swap.fazhan]" in r.stdout and not ANSI.search(r.stdout)


def test_stat_counts_edits_per_stage_and_rule(synthetic: Path) -> None:
    text = _diff(synthetic, stat=True)
    counts = {tuple(m.group(1, 2)): int(m.group(3)) for m in re.finditer(r"^\s+(\w+)\s+(\S+)\s+(\d+)$", text, re.M)}
    assert counts[("restore", "swap.fazhan")] == 1
    assert counts[("clean", "huiwen.chrome.share")] == 1
    assert sum(counts.values()) == 6 == int(re.search(r"^\s+edits\s+(\d+)$", text, re.M).group(1))
    assert "clean → restore: 3 changes in 2 blocks" in text
    assert "3 chrome removed" in text
    only = _diff(synthetic, "restore", "structure", stat=True)
    assert "swap.fazhan" not in only  # restore's edits are not in restore → structure


def test_both_folder_shapes(synthetic: Path) -> None:
    second = synthetic.parent / "another"
    write_folder(second, assemble(_snapshots(), Options(formats=(), page_count=False), "another", "x"))
    (synthetic.parent / "not-a-document").mkdir()
    root = _diff(synthetic.parent, "clean", "restore")
    assert [ln.split(":")[0] for ln in root.splitlines() if ln.startswith("==")] == ["== another", "== page"]
    assert _diff(synthetic, "clean", "restore") in root


def test_without_models_the_views_are_aligned_by_line(synthetic: Path) -> None:
    for model in synthetic.glob("0*.json"):
        model.unlink()
    text = _diff(synthetic, "clean", "restore")
    assert "aligned by line" in text
    assert "开展→发展 [swap.fazhan]" in text and "效劳→服务 [swap.fuwu]" in text
    assert "no edit recorded" not in text and "not found" not in text


def test_ingested_text_that_no_block_holds_is_reported(tmp_path: Path) -> None:
    snaps = _snapshots()
    for name in ("clean", "restore", "structure"):  # clean "forgets" the 收起 line
        doc = snaps[name]
        doc.blocks = [b for b in doc.blocks if b.id != "b0004"]
        doc.edits = [e for e in doc.edits if e.block != "b0004"]
    folder = tmp_path / "lossy"
    write_folder(folder, assemble(snaps, Options(formats=(), page_count=False), "lossy", "x"))
    text = _diff(folder, "ingest", "clean")
    assert re.search(rf"^@{RAW.index('收起')}  in no block$", text, re.M)
    assert "[-收起-]" in text


@pytest.mark.parametrize("stages, reason", [
    (["clean", "nope"], "unknown stage 'nope'"),
    (["restore", "clean"], "does not come before"),
    (["clean"], "give two stages or none"),
])
def test_bad_stage_names_are_one_line_errors(synthetic: Path, stages: list[str], reason: str) -> None:
    with pytest.raises(PipelineError, match=reason):
        _diff(synthetic, *stages)


def test_cli_reports_a_folder_that_is_no_build(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pipeline", "diff", str(tmp_path), "--stat"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not a build folder" in r.stderr


def test_rejected_rule_shows_in_the_diff(synthetic: Path, tmp_path: Path) -> None:
    """A reviewer's --skip-rule: the rebuilt folder's diff no longer shows that rule."""
    snaps = _snapshots()
    doc = snaps["restore"]
    doc.edits = [e for e in doc.edits if e.rule != "swap.fuwu"]
    doc.block("b0003").text = BODY2
    snaps["structure"] = copy.deepcopy(doc)
    snaps["structure"].stages.append("structure")
    folder = tmp_path / "skipped"
    write_folder(folder, assemble(snaps, Options(formats=(), page_count=False, skip_rules=frozenset({"swap.fuwu"})), "s", "x"))
    text = _diff(folder, "clean", "restore")
    assert "[swap.fuwu]" not in text and "[swap.fazhan]" in text


# --- the sample, built by the real pipeline ----------------------------------------------

@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    r = subprocess.run([sys.executable, "-m", "pipeline", "build", str(SAMPLE), "--out", str(out),
                        "--formats", "docx", "--no-page-count"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    return out


def test_sample_diff_shows_every_recorded_edit(sample_build: Path) -> None:
    text = _diff(sample_build)
    (doc,) = [p for p in sample_build.iterdir() if p.is_dir()]
    edits = [json.loads(ln) for ln in (doc / "edits.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    labels = Counter(edit_label(e) for e in edits if e["after"])
    for label, n in labels.items():
        assert text.count(label) >= n, label
    chrome = text[text.find("removed chrome"):]
    for e in edits:
        if not e["after"]:  # chrome removals are listed as chrome, with their profile rule
            assert f"{e['block']}  [{e['rule']}]" in chrome
    assert "edits not found" not in text
    assert text.count(f"== {doc.name}: ") == 3
    assert not ANSI.search(text)


# --- review page -------------------------------------------------------------------------

def test_review_page_escapes_scraped_text_and_lists_everything(synthetic: Path) -> None:
    assert review_command(synthetic, None) == 0
    html = (synthetic / "review.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;效劳&gt;" in html  # block text is escaped too
    assert html.index("1202354 holds 2023") < html.index("Stages side by side")  # warnings first
    assert html.count('<tr data-stage=') == 6
    assert "huiwen.chrome.download" in html and "No PDF in this build" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert not list(synthetic.glob(".review.html.*"))  # no temporary file left behind


def test_review_of_a_build_root_writes_a_page_per_document(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "pages"
    assert review_command(synthetic.parent, out) == 0
    assert [p.name for p in out.iterdir()] == ["page.html"]


def test_review_embeds_the_pdf_first_pages(synthetic: Path) -> None:
    import pypdf

    need("pdftoppm")
    w = pypdf.PdfWriter()
    for _ in range(3):
        w.add_blank_page(200, 280)
    with open(synthetic / "page.pdf", "wb") as f:
        w.write(f)
    manifest = json.loads((synthetic / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["pdf"] = "page.pdf"
    (synthetic / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    review_command(synthetic, None)
    html = (synthetic / "review.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2  # -l 2: the first two of three pages


def _check_in_chromium(page_path: Path, shot: Path) -> dict[str, object]:
    need("chromium")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("request", lambda r: errors.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:")) else None)
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
            page.screenshot(path=str(shot), full_page=True)
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
            h1_fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
            rows = page.locator("#edit-list tbody tr")
            total = rows.count()
            rules = page.eval_on_selector_all("#edit-list tbody tr", "trs => trs.map(t => t.dataset.rule)")
            target = rules[0] if rules else ""
            if target:
                page.select_option("#f-rule", target)
            visible = page.eval_on_selector_all(
                "#edit-list tbody tr", "trs => trs.filter(t => !t.hidden && t.offsetParent !== null).map(t => t.dataset.rule)")
            page.screenshot(path=str(shot.with_name(f"{shot.stem}-filtered.png")), full_page=True)
            count_text = page.locator("#f-count").inner_text()
        finally:
            browser.close()
    return {"errors": errors, "total": total, "rules": rules, "target": target, "visible": visible,
            "count": count_text, "h1_fonts": h1_fonts}


def test_review_page_in_headless_chromium(synthetic: Path, tmp_path: Path) -> None:
    review_command(synthetic, None)
    got = _check_in_chromium(synthetic / "review.html", tmp_path / "review.png")
    assert got["errors"] == []
    edits = (synthetic / "edits.jsonl").read_text(encoding="utf-8").splitlines()
    assert got["total"] == len(edits) == 6
    assert got["target"] == "huiwen.chrome.share"
    assert got["visible"] == [got["target"]]  # filtering by a rule hides the others
    assert got["count"] == f"1 of {len(edits)} edits shown"
    assert (tmp_path / "review.png").stat().st_size > 10_000
    if available_faces(font_dir()):  # the title's Chinese is drawn with the embedded face, not tofu
        assert any(f["isCustomFont"] for f in got["h1_fonts"]), got["h1_fonts"]


def test_sample_review_page_in_headless_chromium(sample_build: Path, tmp_path: Path) -> None:
    assert review_command(sample_build, None) == 0
    (page,) = sample_build.glob("*/review.html")
    got = _check_in_chromium(page, tmp_path / "sample.png")
    assert got["errors"] == []
    if available_faces(font_dir()):
        assert any(f["isCustomFont"] for f in got["h1_fonts"]), got["h1_fonts"]
    edits = [ln for ln in (page.parent / "edits.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    assert got["total"] == len(edits)
    if got["target"]:
        assert got["visible"] == [r for r in got["rules"] if r == got["target"]]


def test_review_page_rejects_one_edit_into_a_decisions_file(synthetic: Path) -> None:
    """The page's per-edit reject: restore edits get a checkbox; ticking one gives the
    ``reject_edits`` entry that ``accept`` adds to the overrides file (a page cannot write it)."""
    need("chromium")
    from playwright.sync_api import sync_playwright

    from pipeline.edit_ids import edit_id

    review_command(synthetic, None)
    html = (synthetic / "review.html").read_text(encoding="utf-8")
    assert html.count('class="reject"') == 3  # the three restore edits; chrome removals are rules' business
    eid = edit_id("restore", "swap.fazhan", "b0002", 4, 6, "开展", "发展")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto((synthetic / "review.html").as_uri())
            page.check(f'input.reject[data-id="{eid}"]')
            toml = page.input_value("#d-toml")
            href = page.get_attribute("#d-save", "href")
            count = page.inner_text("#d-count")
        finally:
            browser.close()
    assert toml == f'reject_edits = [\n  "{eid}",  # b0002 开展→发展 [swap.fazhan]\n]\n'
    assert count == "1"
    from urllib.parse import unquote

    assert unquote(href.split(",", 1)[1]) == toml
