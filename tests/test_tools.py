"""Under CI a missing tool fails the tests that need it; on a developer's machine it skips them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
# A test that needs LibreOffice and nothing expensive before it asks.
NODE = "tests/render/test_docx.py::test_libreoffice_counts_the_sites_pages"


def run_without_soffice(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = "/nonexistent"  # no soffice to be found
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", NODE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("ci", "code", "says"), [
    (True, 1, "soffice is missing (apt-get install libreoffice-writer-nogui; make test installs it): under CI a missing "
              "tool is a failure"),
    (False, 0, "1 skipped"),
])
def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(ci: bool, code: int, says: str) -> None:
    r = run_without_soffice(ci)
    assert r.returncode == code, r.stdout
    assert says in r.stdout
