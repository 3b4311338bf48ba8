"""Rule files: site profiles and restore rules are data (TOML), not code.

Built-in rules live in ``pipeline/rules/<kind>/*.toml``. A user adds their own by putting
files in a directory named by ``SCRAPE2DOC_RULES`` (``$SCRAPE2DOC_RULES/<kind>/*.toml``); a
user file with the same name as a built-in one replaces it.
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.resources import PACKAGE, TEMPLATES

BUILTIN = Path(__file__).parent  # the rule files beside this loader
# A regex from a user's rule file may run this long on one text before the build fails with
# the file's name: built-in rules are linear by design (tests/regex_sweep.py), a user's need not be.
USER_REGEX_SECONDS = 2.0


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
    files += sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)  # every subpackage
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@cache
def is_builtin(path: Path) -> bool:  # asked for each of a file's hundreds of regexes
    return BUILTIN in Path(path).resolve().parents


class TimedPattern:
    """A regex from a user's rule file, compiled with the ``regex`` package so every use has a
    time budget: ``(a|aa)+$`` on a long line fails the document with the file's name instead of
    hanging the batch. Offers the ``re.Pattern`` methods the stages use."""

    def __init__(self, pattern: str, flags: int, where: str, seconds: float = USER_REGEX_SECONDS):
        import regex

        self._rx = regex.compile(pattern, flags | regex.VERSION0)
        self.pattern, self.flags, self.groups, self.groupindex = pattern, flags, self._rx.groups, self._rx.groupindex
        self.where, self.seconds = where, seconds

    def _run(self, method: str, *args: Any, **kw: Any) -> Any:
        try:
            return getattr(self._rx, method)(*args, timeout=self.seconds, **kw)
        except TimeoutError:
            raise PipelineError(f"{self.where}: pattern {self.pattern!r} ran over its {self.seconds:g} s budget "
                                "on one text (nested quantifiers?): rewrite it") from None

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._run("search", string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._run("match", string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._run("fullmatch", string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._iter(string, pos, endpos)

    def _iter(self, string: str, pos: int, endpos: int | None) -> Any:
        it = self._run("finditer", string, pos, endpos)
        while True:
            try:
                m = next(it)
            except StopIteration:
                return
            except TimeoutError:
                raise PipelineError(f"{self.where}: pattern {self.pattern!r} ran over its {self.seconds:g} s "
                                    "budget on one text (nested quantifiers?): rewrite it") from None
            yield m

    def findall(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._run("findall", string, pos, endpos)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._run("sub", repl, string, count)

    def subn(self, repl: Any, string: str, count: int = 0) -> tuple[str, int]:
        return self._run("subn", repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._run("split", string, maxsplit)


def compile_rule(pattern: str, path: Path | None, flags: int = 0) -> re.Pattern[str] | TimedPattern:
    """A rule file's regex: Python's ``re`` for the built-in files, a ``TimedPattern`` for a
    user's (``path`` None: the pattern may come from a user's file). Raises ``re.error`` or the
    ``regex`` package's error for a bad pattern."""
    if path is not None and is_builtin(path):
        return re.compile(pattern, flags)
    try:
        return TimedPattern(pattern, flags, f"rule file {path}" if path else "a user rule file")
    except Exception as e:  # regex.error: report it as re does
        raise re.error(str(e)) from None


class Checker:
    """The one validator of rule files, whatever their kind: every error names the file, and a
    key the kind does not know is an error (a typo must not silently turn a rule off)."""

    def __init__(self, path: Path, label: str = "rule file"):
        self.path, self.label = path, label

    def fail(self, msg: str) -> PipelineError:
        return PipelineError(f"{self.label} {self.path.name}: {msg}")

    def keys(self, table: Any, allowed: set[str] | frozenset[str], where: str) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(f"{where} must be a table")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r} in {where} (allowed: {', '.join(sorted(allowed))})")
        return table

    def typed(self, table: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
        value = table.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{key} must be {kind.__name__}, got {value!r}")
        return value
