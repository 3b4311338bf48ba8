"""The tools some tests need (LibreOffice, poppler, Chromium, the CJK fonts, Dask).

On a developer's machine a test whose tool is missing is skipped and says which; under CI
(``CI=true``, as .ci/run runs) a missing tool is a failure, so CI can never go green having
tested none of them. Mark a test ``@pytest.mark.needs("soffice")`` or call ``need("soffice")``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FONT_FILES = ("FandolFang-Regular.otf", "FandolKai-Regular.otf", "NotoSansCJKsc-Regular.otf", "NotoSerifCJKsc-Bold.otf")


def _fonts() -> bool:
    folder = Path(os.environ.get("SCRAPE2DOC_FONTS", ROOT / "fonts"))
    return all((folder / f).is_file() for f in FONT_FILES)


TOOLS: dict[str, tuple[Callable[[], bool], str]] = {
    "soffice": (lambda: shutil.which("soffice") is not None, "apt-get install libreoffice-writer-nogui"),
    "pdftoppm": (lambda: shutil.which("pdftoppm") is not None, "apt-get install poppler-utils"),
    "pdftotext": (lambda: shutil.which("pdftotext") is not None, "apt-get install poppler-utils"),
    "chromium": (lambda: Path("/usr/bin/chromium").exists(), "apt-get install chromium"),
    "fonts": (_fonts, "make fonts (scripts/fonts.sh)"),
    "distributed": (lambda: importlib.util.find_spec("distributed") is not None, "pip install '.[dask]'"),
}


def need(tool: str) -> None:
    """Skip (or under CI fail) the running test when ``tool`` is missing."""
    present, install = TOOLS[tool]
    if present():
        return
    message = f"{tool} is missing ({install}; make test installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: under CI a missing tool is a failure")
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*tools): the test needs these tools (see tests/conftest.py)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        for tool in mark.args:
            need(tool)
