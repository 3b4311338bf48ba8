"""The reviewer's per-document decisions file, ``<page stem>.overrides.toml`` beside the page:
reading its ``reject_edits`` and adding rejected edits to it without disturbing the rest.

```toml
skip_rules = ["swap.fuwu"]          # whole rules, written by hand
reject_edits = [                     # single edits, written by `python -m pipeline accept`
  "3f1c0a9d2b7e",  # b0027 开展→发展 [swap.fazhan]
]
```

Both routes (a reviewed review.docx, the HTML page's decisions file) end in ``add_rejections``.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pipeline.edit_ids import ID_SHAPE
from pipeline.errors import PipelineError, UsageError

KEY = "reject_edits"


def overrides_path(page: Path) -> Path:
    return page.with_suffix(".overrides.toml")


def reject_edits(data: dict[str, Any], name: str) -> frozenset[str]:
    """The edit ids of a parsed overrides (or decisions) file; a malformed one is a usage error."""
    ids = data.get(KEY, [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and ID_SHAPE.fullmatch(i) for i in ids):
        raise UsageError(f"{name}: {KEY} must be a list of edit ids (12 hex digits, the id column of edits.jsonl)")
    return frozenset(ids)


def read(file: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and its parsed table ("" and {} when there is no file)."""
    if not file.exists():
        return "", {}
    try:
        text = file.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PipelineError(f"{file}: {e}") from e


def _without_key(text: str) -> list[str]:
    """The file's lines without its ``reject_edits = [...]`` assignment (which this module
    writes one id a line, closed by a line ``]``, or on one line)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(KEY) and line.split("=", 1)[0].strip() == KEY:
            if line.split("#", 1)[0].rstrip().endswith("]"):
                i += 1
                continue
            i += 1
            while i < len(lines) and lines[i].split("#", 1)[0].strip() != "]":
                i += 1
            i += 1
            continue
        out.append(line)
        i += 1
    while out and not out[-1].strip():
        out.pop()
    return out


def add_rejections(file: Path, labels: dict[str, str]) -> list[str]:
    """Add the edit ids in ``labels`` (id → a label written as a comment) to the file's
    ``reject_edits``, keeping every other line; returns the ids that were new. Written
    atomically, and read back before it replaces the old file."""
    text, data = read(file)
    have = set(reject_edits(data, file.name)) if data else set()
    new = sorted(set(labels) - have)
    if not new:
        return []
    old_labels = _labels(text)
    lines = _without_key(text)
    if lines:
        lines.append("")
    lines.append(f"{KEY} = [  # single edits rejected in review; ids from edits.jsonl")
    for i in sorted(have | set(new)):
        label = " ".join((labels.get(i) or old_labels.get(i, "")).split())
        lines.append(f'  "{i}",' + (f"  # {label}" if label else ""))
    lines.append("]")
    out = "\n".join(lines) + "\n"
    try:
        parsed = tomllib.loads(out)
    except tomllib.TOMLDecodeError as e:  # a hand-written file this module cannot edit safely
        raise PipelineError(f"{file}: cannot add {KEY} to this file ({e}); add them by hand: {', '.join(new)}") from e
    if set(parsed.get(KEY, [])) != have | set(new) or {k: v for k, v in parsed.items() if k != KEY} != \
            {k: v for k, v in data.items() if k != KEY}:
        raise PipelineError(f"{file}: cannot add {KEY} without changing the rest; add them by hand: {', '.join(new)}")
    from pipeline.run.artifacts import write_file

    write_file(file, out.encode("utf-8"))
    return new


def _labels(text: str) -> dict[str, str]:
    """The comments this module wrote after each id, kept when the list is rewritten."""
    out = {}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('"') and '",' in s and "#" in s:
            out[s[1:s.index('"', 1)]] = s.split("#", 1)[1].strip()
    return out
