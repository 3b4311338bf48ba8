"""The package installs like any other: a wheel built from the checkout holds the templates,
the CSS, the DOCX style set and the rule files, names the ``scrape2doc`` command, and builds the
sample into DOCX and PDF when run from another folder with none of the checkout's code in reach."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of what the wheel is made of: setuptools writes its build/ folder into the
    # source tree, where it would sit among the user's build output.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("pipeline", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    return next(out.glob("scrape2doc-*.whl"))


def test_the_wheel_holds_templates_rules_and_the_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry = next(n for n in names if n.endswith("entry_points.txt"))
        assert "scrape2doc = pipeline.cli:main" in z.read(entry).decode()
    for name in ("pipeline/templates/report.css", "pipeline/templates/report.html.j2", "pipeline/templates/review.html.j2",
                 "pipeline/templates/fonts.conf", "pipeline/templates/docx/reference.docx",
                 "pipeline/templates/docx/gbt9704.toml", "pipeline/rules/sites/generic.toml",
                 "pipeline/rules/restore/swaps.toml", "pipeline/rules/structure/structure.toml",
                 "pipeline/stages/clean/chrome.py", "pipeline/render/pdf.py"):
        assert name in names, name


def test_the_installed_package_builds_the_sample_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    # The fonts are the machine's (make fetches them), not the package's: point at them as a user would.
    env = {"SCRAPE2DOC_FONTS": str(ROOT / "fonts"), **os.environ, "PYTHONPATH": str(target)}
    code = "import pipeline.resources as r, sys; print(r.TEMPLATES); sys.exit(__import__('pipeline.cli').cli.main())"
    r = subprocess.run([sys.executable, "-c", code, "build", str(ROOT / "samples" / "huiwen-728690.txt"),
                        "--out", str(work / "out"), "--no-page-count"],
                       cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == str(target / "pipeline" / "templates")  # not the checkout's
    built = work / "out" / "huiwen-728690"
    assert sorted(p.suffix for p in built.glob("2023年城乡党建推动科学发展调研报告.*")) == [".docx", ".pdf"]
