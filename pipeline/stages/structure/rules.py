"""The structure stage's tunable data (rules/structure/*.toml), parsed and compiled once.

The heuristics live in code, their words and numbers here, so a reviewer can read and extend
them (a numbering family, a form of line that is never a heading) without touching Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline import rules
from pipeline.errors import PipelineError
from pipeline.text import HAN, SENTENCE_FINAL


@dataclass(frozen=True)
class Family:
    """A heading numbering family: 一、 （一） 1. （1） 第一章 第一节…"""

    id: str
    pattern: re.Pattern[str]
    rank: int


@dataclass(frozen=True)
class StructureRules:
    raw: dict[str, Any]  # the merged tables, for plain values (ids, thresholds)
    sentence_end: re.Pattern[str]
    closers: re.Pattern[str]
    continues: re.Pattern[str]
    cjk: re.Pattern[str]
    site_prefix: re.Pattern[str]
    summary_start: re.Pattern[str]
    summary_topics: re.Pattern[str]
    topic_separator: re.Pattern[str]
    not_heading: tuple[re.Pattern[str], ...]
    heading_clause: re.Pattern[str]
    families: tuple[Family, ...]  # by rank
    lead_end: re.Pattern[str]
    lead_no_inside: re.Pattern[str]
    not_lead: tuple[re.Pattern[str], ...]

    def __getitem__(self, table: str) -> dict[str, Any]:
        return self.raw[table]


def merge(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Later files override keys table by table; [[numbering]] entries add or replace by id."""
    out: dict[str, Any] = {}
    families: dict[str, dict[str, Any]] = {}
    for data in files:
        for key, value in data.items():
            if key == "numbering":
                for fam in value:
                    families[fam["id"]] = fam
            elif isinstance(value, dict):
                out.setdefault(key, {}).update(value)
            else:
                out[key] = value
    out["numbering"] = list(families.values())
    return out


def _re(pattern: str, where: str) -> re.Pattern[str]:
    """A structure pattern: under a time budget when any structure file is the user's (the
    files are merged, so a pattern's file is not known here)."""
    try:
        if all(rules.is_builtin(path) for path, _ in rules.load("structure")):
            return re.compile(pattern)
        return rules.compile_rule(pattern, None)  # type: ignore[return-value]
    except re.error as e:
        raise PipelineError(f"structure rule {where}: bad pattern {pattern!r}: {e}") from e


def compile_rules(data: dict[str, Any]) -> StructureRules:
    try:
        return StructureRules(
            raw=data,
            sentence_end=_re(f"[{SENTENCE_FINAL}]|{data['text']['sentence_end_also']}", "text.sentence_end_also"),
            closers=_re(data["text"]["closers"], "text.closers"),
            continues=_re(data["text"]["continues"], "text.continues"),
            cjk=HAN,
            site_prefix=_re(data["title"]["site_prefix"], "title.site_prefix"),
            summary_start=_re(data["summary"]["start"], "summary.start"),
            summary_topics=_re(data["summary"]["topics"], "summary.topics"),
            topic_separator=_re(data["summary"]["topic_separator"], "summary.topic_separator"),
            not_heading=tuple(_re(p, "shape.not_heading") for p in data["shape"]["not_heading"]),
            heading_clause=_re(data["numbered"]["clause_inside"], "numbered.clause_inside"),
            families=tuple(sorted(
                (Family(f["id"], _re(f["pattern"], f["id"]), int(f["rank"])) for f in data["numbering"]),
                key=lambda f: f.rank,
            )),
            lead_end=re.compile(f"[{SENTENCE_FINAL}]"),
            lead_no_inside=_re(data["lead"]["no_inside"], "lead.no_inside"),
            not_lead=tuple(_re(p, "lead.not_lead") for p in data["lead"]["not_lead"]),
        )
    except KeyError as e:
        raise PipelineError(f"structure rules: missing key {e}") from e


# Every table of a structure rule file and its keys (rules.Checker rejects any other).
SCHEMA = {
    "text": {"closers", "continues", "sentence_end_also"},
    "title": {"max_chars", "min_similarity", "shape_id", "site_id", "site_prefix"},
    "summary": {"id", "marks", "max_position", "min_similarity", "start", "topic_separator", "topics"},
    "shape": {"id", "max_chars", "min_cjk", "not_heading"},
    "numbered": {"clause_inside", "max_chars", "top_rank"},
    "lead": {"intro_affix", "intro_length_diff", "max_chars", "max_length_ratio", "min_chars", "min_rest", "min_run",
             "no_inside", "not_lead", "numbered_id", "parallel_id"},
    "paragraph": {"id"},
    "guess": {"id", "min_chars"},
}


@cache
def load() -> StructureRules:
    """The structure rules of this process (built-in files plus $SCRAPE2DOC_RULES/structure)."""
    files = rules.load("structure")
    for path, data in files:
        check = rules.Checker(path)
        check.keys(data, set(SCHEMA) | {"numbering"}, "the file")
        for table, keys in SCHEMA.items():
            check.keys(data.get(table, {}), keys, f"[{table}]")
        for n, fam in enumerate(data.get("numbering", [])):
            check.keys(fam, {"id", "pattern", "rank"}, f"numbering[{n}]")
    return compile_rules(merge([data for _, data in files]))
