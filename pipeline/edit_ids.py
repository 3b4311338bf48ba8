"""Stable edit ids: one short name per edit that a reviewer's decision can point at.

An id is a hash of what the edit is and where it is made: stage, rule, block id, offsets,
before and after. Block ids are stable after clean and restore's offsets are into the block
text as clean left it (changes are applied right to left), so the same input built with the
same rules gives every edit the same id, and rejecting one edit changes no other edit's id.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

ID_CHARS = 12
ID_SHAPE = re.compile(r"[0-9a-f]{12}")


def edit_id(stage: str, rule: str, block: str, start: int, end: int, before: str, after: str) -> str:
    key = json.dumps([stage, rule, block, start, end, before, after], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:ID_CHARS]


def of(e: Any) -> str:
    """The id of an ``Edit`` or of an edit read back from edits.jsonl (a dict)."""
    if isinstance(e, dict):
        return e.get("id") or edit_id(e.get("stage", ""), e.get("rule", ""), e.get("block", ""),
                                      e.get("start", 0), e.get("end", 0), e.get("before", ""), e.get("after", ""))
    return edit_id(e.stage, e.rule, e.block, e.start, e.end, e.before, e.after)
