"""The build contract users' scripts rely on: the folder layout, exit codes, one-line errors,
nothing left behind by a failed input, incremental and reproducible builds."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.model import Document

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "samples" / "huiwen-728690.txt"
NAME = "2023年城乡党建推动科学发展调研报告"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    r = run("build", str(SAMPLE), "--out", str(out), "--no-page-count")
    assert r.returncode == 0, r.stderr
    return out / "huiwen-728690"


def test_sample_folder_holds_every_artifact(built: Path) -> None:
    names = {p.name for p in built.iterdir()}
    for stem, view in (("01-ingest", "txt"), ("02-clean", "txt"), ("03-restore", "txt"), ("04-structure", "md")):
        assert f"{stem}.{view}" in names
        assert f"{stem}.json" in names
    assert {f"{NAME}.docx", f"{NAME}.pdf", "edits.jsonl", "manifest.json"} <= names
    assert not [n for n in names if n.startswith(".")], "temporary files left behind"


def test_manifest_names_inputs_outputs_and_metadata(built: Path) -> None:
    m = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert m["input"].endswith("huiwen-728690.txt")
    assert m["outputs"] == {"docx": f"{NAME}.docx", "pdf": f"{NAME}.pdf"}
    assert all((built / f).is_file() for f in m["outputs"].values())
    assert m["meta"]["doc_id"] == "728690" and m["meta"]["pages"] == 8
    assert m["meta"]["date"] == "2023-04-14" and m["meta"]["format"] == "DOCX"
    assert isinstance(m["warnings"], list)
    for stage in m["stages"].values():
        assert (built / stage["view"]).is_file() and (built / stage["model"]).is_file()


def test_stage_models_load_back_and_stages_do_real_work(built: Path) -> None:
    views = {}
    for stem in ("01-ingest", "02-clean", "03-restore", "04-structure"):
        doc = Document.from_json((built / f"{stem}.json").read_text(encoding="utf-8"))
        assert doc.to_json() == (built / f"{stem}.json").read_text(encoding="utf-8")  # canonical
        views[stem] = doc
    assert "下载文档" in views["01-ingest"].text_view()
    assert "下载文档" not in views["02-clean"].text_view()  # chrome gone
    assert views["02-clean"].text_view() != views["03-restore"].text_view()  # words repaired
    assert {b.kind for b in views["04-structure"].body} >= {"title", "heading", "paragraph"}


def test_every_edit_line_names_stage_and_rule(built: Path) -> None:
    lines = (built / "edits.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        e = json.loads(line)
        assert {"stage", "rule", "block", "start", "end", "before", "after"} <= e.keys()
        assert e["rule"] and e["stage"] in {"clean", "restore", "structure"}


def test_same_input_gives_identical_artifacts(built: Path, tmp_path: Path) -> None:
    r = run("build", str(SAMPLE), "--out", str(tmp_path), "--no-page-count")
    assert r.returncode == 0, r.stderr
    again = tmp_path / "huiwen-728690"
    for p in built.iterdir():
        assert (again / p.name).read_bytes() == p.read_bytes(), p.name


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ("分享\n下载文档\nID:1\n大小:1KB\n页数:1页\n格式:DOCX\n时间:2023-04-14\n收藏 分享赚钱\n".encode(), "no body"),
])
def test_bad_input_is_refused_with_one_line_and_leaves_nothing(tmp_path: Path, content: bytes, reason: str) -> None:
    bad = tmp_path / "in" / "bad.txt"
    bad.parent.mkdir()
    bad.write_bytes(content)
    out = tmp_path / "out"
    r = run("build", str(bad), "--out", str(out), "--formats", "docx", "--no-page-count")
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {bad}: ")
    assert reason in errors[0].lower()
    assert not out.exists() or not any(out.iterdir())


def test_missing_path_fails_but_other_inputs_still_build(tmp_path: Path) -> None:
    r = run("build", str(tmp_path / "nope.txt"), str(SAMPLE), "--out", str(tmp_path / "out"),
            "--formats", "docx", "--no-page-count")
    assert r.returncode == 1
    assert f"error: {tmp_path / 'nope.txt'}: no such file" in r.stderr
    assert (tmp_path / "out" / "huiwen-728690" / "manifest.json").is_file()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["huiwen-728690"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "locked.txt"
    p.write_bytes(SAMPLE.read_bytes())
    p.chmod(0)
    r = run("build", str(p), "--out", str(tmp_path / "out"), "--formats", "docx", "--no-page-count")
    assert r.returncode == 1 and f"error: {p}: cannot read" in r.stderr


def test_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    """Root reads any file, so this is the unreadable path a root CI can produce."""
    p = tmp_path / "page.txt" / "inner.txt"
    p.parent.write_text("不是目录", encoding="utf-8")
    r = run("build", str(p), "--out", str(tmp_path / "out"), "--formats", "docx", "--no-page-count")
    assert r.returncode == 1 and f"error: {p}: cannot read: Not a directory" in r.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("build", str(SAMPLE), "--formats", "odt").returncode == 2
    assert run("build").returncode == 2
    assert run("frobnicate").returncode == 2


def test_second_build_of_unchanged_folder_rebuilds_nothing(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(SAMPLE, pages / "a.txt")
    (pages / "broken.txt").write_bytes(b"")
    args = ("build", str(pages), "--out", str(tmp_path / "out"), "--formats", "docx", "--no-page-count")
    first = run(*args)
    assert first.returncode == 1 and "built 1, skipped 0" in first.stderr and "broken.txt" in first.stderr
    stamp = (tmp_path / "out" / "a" / "manifest.json").stat().st_mtime_ns
    second = run(*args)
    assert "built 0, skipped 1" in second.stderr
    assert (tmp_path / "out" / "a" / "manifest.json").stat().st_mtime_ns == stamp
    changed = run(*args, "--skip-rule", "swap.fazhan")  # another option: rebuilt
    assert "built 1, skipped 0" in changed.stderr


def test_rerun_from_a_stage_rebuilds_what_follows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(SAMPLE), "--out", str(out), "--formats", "docx", "--no-page-count").returncode == 0
    folder = out / "huiwen-728690"
    before = (folder / "03-restore.txt").read_text(encoding="utf-8")
    r = run("rerun", str(folder), "clean", "--no-restore", "--formats", "docx", "--no-page-count")
    assert r.returncode == 0, r.stderr
    assert (folder / "03-restore.txt").read_text(encoding="utf-8") == (folder / "02-clean.txt").read_text(encoding="utf-8")
    assert before != (folder / "02-clean.txt").read_text(encoding="utf-8")
    assert run("rerun", str(folder), "polish").returncode == 2


def test_per_document_override_file_skips_a_rule(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    shutil.copy(SAMPLE, page)
    args = ("build", str(page), "--out", str(tmp_path / "out"), "--formats", "docx", "--no-page-count")
    assert run(*args).returncode == 0
    edits = (tmp_path / "out" / "page" / "edits.jsonl").read_text(encoding="utf-8")
    assert '"rule": "swap.fazhan"' in edits
    (tmp_path / "page.overrides.toml").write_text('skip_rules = ["swap.fazhan"]\n', encoding="utf-8")
    r = run(*args)
    assert "built 1" in r.stderr  # the override changed the options: rebuilt
    assert '"rule": "swap.fazhan"' not in (tmp_path / "out" / "page" / "edits.jsonl").read_text(encoding="utf-8")
    (tmp_path / "page.overrides.toml").write_text('skip_rules = "swap.fazhan"\n', encoding="utf-8")
    bad = run(*args)
    assert bad.returncode == 1 and "page.overrides.toml: skip_rules must be a list" in bad.stderr


def test_more_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    for args in (("build", str(SAMPLE), "--out", str(afile)),
                 ("build", str(SAMPLE), "--reference-docx", str(tmp_path / "none.docx")),
                 ("diff", str(tmp_path), "clean", "polish")):
        r = run(*args)
        assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("python -m pipeline"), args


def test_build_folders_inside_the_input_folder_are_not_inputs(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(SAMPLE, pages / "a.txt")
    args = ("build", str(pages), "--out", str(pages / "out"), "--formats", "docx", "--no-page-count")
    assert run(*args).returncode == 0
    second = run(*args)
    assert second.returncode == 0 and "built 0, skipped 1" in second.stderr
    assert sorted(p.name for p in (pages / "out").iterdir()) == ["a"]


def test_a_folder_with_no_pages_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = run("build", str(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    assert r.returncode == 1 and f"error: {tmp_path / 'empty'}: a folder with no page files" in r.stderr


def test_a_worker_that_dies_fails_only_its_own_document(tmp_path: Path) -> None:
    """A crash that kills the worker process (not an exception) breaks a process pool; the
    other documents still build and the summary is printed."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(4):
        shutil.copy(SAMPLE, pages / f"p{i}.txt")
    (pages / "p1.txt").write_text("CRASH", encoding="utf-8")
    code = (
        "import os, sys, pipeline.run.batch as b\n"
        "real = b.build_one\n"
        "def build_one(path, *a, **k):\n"
        "    if path.endswith('p1.txt'): os._exit(3)\n"
        "    return real(path, *a, **k)\n"
        "b.build_one = build_one\n"
        "from pipeline.cli import main\n"
        f"sys.exit(main(['build', {str(pages)!r}, '--out', {str(tmp_path / 'out')!r}, '--jobs', '2',"
        " '--formats', 'docx', '--no-page-count']))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 1
    assert f"error: {pages / 'p1.txt'}: the worker process building it died" in r.stderr
    assert "built 3, skipped 0 (up to date), failed 1" in r.stderr
