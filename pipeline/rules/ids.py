"""Every rule id a build can cite (and ``--skip-rule`` can name), gathered from the loaded rule
files, so an id that names no rule is a usage error instead of a switch that silently does
nothing.

An id is a family and a name, ``swap.fazhan``; ``swap.`` names the whole family. Site profile
rules are ``<profile id>.<rule id>``: the profile's chrome and split rules plus the rules the
clean stage itself runs for every profile (CLEAN_RULES).
"""
from __future__ import annotations

from functools import cache

# Rules the clean stage runs for any profile, cited as "<profile id>.<name>" (pipeline/clean.py).
CLEAN_RULES = ("meta", "join_wrapped", "split_spaces", "short_body", "html_title")


@cache
def known() -> frozenset[str]:
    """Every rule id of this process's rule files (built-in plus $SCRAPE2DOC_RULES)."""
    from pipeline.stages.restore import numbers
    from pipeline.stages.clean import profiles
    from pipeline.stages.restore import punctuation
    from pipeline.stages.structure import rules as structure_rules
    from pipeline.stages.restore import swaps

    from pipeline.stages.clean import GENERIC_RULES

    ids: set[str] = set(GENERIC_RULES)
    for p in profiles.load():
        ids |= {r.id for r in p.chrome} | {s.id for s in p.splits} | {f"{p.id}.{n}" for n in CLEAN_RULES}
    ids |= set(punctuation.load().rules)
    ids |= {r.id for r in swaps.load().rules}
    ids |= set(numbers.load().table)
    ids |= _structure_ids(structure_rules.load())
    return frozenset(ids)


def _structure_ids(r: object) -> set[str]:
    """The ids in the structure rules: every string under a key ending in ``id`` (id, site_id,
    parallel_id…) and every numbering family."""
    ids: set[str] = set()

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and (key == "id" or key.endswith("_id")):
            ids.add(value)

    walk(r.raw)  # type: ignore[attr-defined]
    return ids


def families(ids: frozenset[str] | None = None) -> list[str]:
    """The rule families, ``swap.``, ``punct.``, ``huiwen.``…, sorted."""
    return sorted({i.split(".", 1)[0] + "." for i in (ids if ids is not None else known()) if "." in i})


def unknown(requested: list[str] | frozenset[str]) -> list[str]:
    """The requested ids (or ``family.`` prefixes) that name no rule, in the order given."""
    ids = known()
    out = []
    for r in requested:
        ok = any(i.startswith(r) for i in ids) if r.endswith(".") else r in ids
        if not ok and r not in out:
            out.append(r)
    return out


def unknown_message(requested: list[str] | frozenset[str]) -> str:
    """A one-line reason naming the unknown ids and the known families, or "" if all are known."""
    bad = unknown(requested)
    if not bad:
        return ""
    return (f"unknown rule id{'s' if len(bad) > 1 else ''} {', '.join(repr(b) for b in bad)}; "
            f"rule families are {' '.join(families())} (a rule id is a family and a name, e.g. swap.fazhan, "
            "as in edits.jsonl; a family alone skips all its rules)")
