"""Rule files: site profiles and restore rules are data (TOML), not code.

Built-in rules live in ``pipeline/rules/<kind>/*.toml``. A user adds their own by putting
files in a directory named by ``SCRAPE2DOC_RULES`` (``$SCRAPE2DOC_RULES/<kind>/*.toml``); a
user file with the same name as a built-in one replaces it.
"""
from __future__ import annotations

import hashlib
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from .model import PipelineError

BUILTIN = Path(__file__).parent / "rules"
TEMPLATES = Path(__file__).parent.parent / "templates"


def rule_dirs(kind: str) -> list[Path]:
    dirs = [BUILTIN / kind]
    extra = os.environ.get("SCRAPE2DOC_RULES")
    if extra:
        dirs.append(Path(extra) / kind)
    return dirs


def rule_files(kind: str) -> list[Path]:
    """The rule files of one kind, user files overriding built-ins of the same name."""
    by_name: dict[str, Path] = {}
    for d in rule_dirs(kind):
        for p in sorted(d.glob("*.toml")):
            by_name[p.name] = p
    return [by_name[n] for n in sorted(by_name)]


@cache
def load(kind: str) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """Parse every rule file of a kind once per process (workers reuse them across documents)."""
    out = []
    for p in rule_files(kind):
        try:
            out.append((p, tomllib.loads(p.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise PipelineError(f"rule file {p}: {e}") from e
    return tuple(out)


def kinds() -> list[str]:
    """Every kind of rule file there is (sites, restore, structure…), built-in or the user's."""
    roots = [d for d in rule_dirs("") if d.is_dir()]
    return sorted({d.name for root in roots for d in root.iterdir() if d.is_dir() and d.name != "__pycache__"})


def digest() -> str:
    """Hash of every rule file, template and module: an input is rebuilt when any changes."""
    return _digest(os.environ.get("SCRAPE2DOC_RULES", ""))


@cache
def _digest(user_rules: str) -> str:  # once per process and rule folder, not once per document
    h = hashlib.sha256()
    files = [p for kind in kinds() for p in rule_files(kind)]
    files += sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += sorted(Path(__file__).parent.glob("*.py"))
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]
