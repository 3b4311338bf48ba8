"""Site profiles: what one document-sharing site's page looks like, read from a TOML file.

A profile is data (``pipeline/rules/sites/<id>.toml``) so a person can add a site by writing one
file; the key reference is the comment at the top of ``generic.toml``. Profiles are validated
on load, and every error names the file, because a typo in a regex must not silently turn a
rule off.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import rules
from pipeline.stages.clean.classify import Lexicon
from pipeline.model import Meta
from pipeline.errors import PipelineError
from pipeline.text import CHAPTER, CN_COMMA, CN_PAREN

GENERIC = "generic"
# Meta fields a profile may lift (named groups in chrome rules, keys of [meta]).
LIFTABLE = {f.name for f in fields(Meta)} - {"site", "keywords", "script"}
TOP_KEYS = {"id", "name", "extends", "detect", "meta", "chrome", "split", "paragraphs", "truncation", "html"}
GENERIC_KEYS = {"lexicon", "title", "glued"}  # the cross-site classifier's tables: only in generic.toml
RULE_KEYS = {"id", "match", "find", "follow", "follow_max", "head_only", "edges_only", "ends_body", "keywords",
             "repeated", "claim_previous", "flag", "page_break", "joins"}
LEXICON_KEYS = {"strong", "weak", "function_chars", "good_chars", "near_chars", "min_function_share",
                "edge_max_chars", "dense_share"}
SPLIT_KEYS = {"id", "before", "after", "within"}
PARAGRAPH_KEYS = {"split_spaces", "join_wrapped"}
TRUNCATION_KEYS = {"min_chars_per_page"}
DEFAULT_MIN_CHARS = {"default": 100, "PPT": 15, "PPTX": 15}
# The document formats sites offer, the one list: profile regexes say {EXT} for it, and clean
# strips only these from a filename to make a title ("报告v1.2" keeps its ".2").
DOC_EXTENSIONS = ("doc", "docx", "pdf", "ppt", "pptx", "xls", "xlsx", "txt", "wps", "rtf")
EXT_PATTERN = "(?:" + "|".join(sorted(DOC_EXTENSIONS, key=len, reverse=True)) + ")"
EXTENSION = re.compile(rf"\.{EXT_PATTERN}$", re.I)


@dataclass(frozen=True)
class ChromeRule:
    id: str  # "<profile>.<rule>": what Edits and Flags cite, what --skip-rule names
    match: tuple[re.Pattern[str], ...] = ()  # whole-line patterns
    find: tuple[re.Pattern[str], ...] = ()  # patterns cut out of a line; the rest stays body
    follow: re.Pattern[str] | None = None  # lines after a match that belong to it (numbered tips)
    follow_max: int = 10
    head_only: bool = False  # only before the first body line
    edges_only: bool = False  # only before the first body line or after an ends_body rule
    ends_body: bool = False  # a footer signal: what follows is the page's tail, not body
    keywords: bool = False  # the site's keyword line: the title's words separated by spaces
    repeated: bool = False  # a line immediately repeated (related-document titles)
    claim_previous: str = ""  # the line before a match is chrome too; lift it into this field
    flag: str = ""  # a match means a truncated preview (or similar): warn with this message
    page_break: bool = False  # a page marker: wrapped text may continue across it
    joins: bool = False  # (find) the text on both sides of a cut stays one paragraph (繼續(xù))


@dataclass(frozen=True)
class Split:
    id: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    within: int  # only in the first N paragraphs (0: anywhere)


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    path: Path
    signals: tuple[re.Pattern[str], ...]
    min_signals: int
    meta: dict[str, tuple[re.Pattern[str], ...]]  # field → patterns; "other": consumed, not lifted
    chrome: tuple[ChromeRule, ...]
    splits: tuple[Split, ...]
    split_spaces: bool
    join_wrapped: bool
    min_chars_per_page: dict[str, int]
    html_title: tuple[re.Pattern[str], ...] = ()  # a saved page's <title> → (group 1) the title
    lexicon: Lexicon | None = None  # generic only: the cross-site chrome lexicon and thresholds
    title_strip: tuple[re.Pattern[str], ...] = ()  # generic only: site junk cut from any title
    glued: re.Pattern[str] | None = None  # generic only: a heading glued to its paragraph (group 1 ends it)
    glued_title: re.Pattern[str] | None = None  # generic only: a title glued to the first sentence

    def min_chars(self, fmt: str) -> int:
        return self.min_chars_per_page.get(fmt.upper(), self.min_chars_per_page["default"])


class _Checker(rules.Checker):
    """The rule-file checker, plus what a site profile's regexes must be."""

    def __init__(self, path: Path):
        super().__init__(path, "site profile")

    def regex(self, pattern: Any, where: str, flags: int = 0) -> re.Pattern[str]:  # or rules.TimedPattern
        if not isinstance(pattern, str) or not pattern:
            raise self.fail(f"{where}: expected a regex string, got {pattern!r}")
        try:  # a user's profile gets a time budget per use (rules.compile_rule)
            rx = rules.compile_rule(pattern.replace("{EXT}", EXT_PATTERN), self.path, flags)
        except re.error as e:
            raise self.fail(f"{where}: bad regex {pattern!r}: {e}") from e
        bad = sorted(set(rx.groupindex) - LIFTABLE)
        if bad:
            raise self.fail(f"{where}: named group {bad[0]!r} is not a Meta field ({', '.join(sorted(LIFTABLE))})")
        return rx

    def regexes(self, value: Any, where: str, flags: int = 0) -> tuple[re.Pattern[str], ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(f"{where}: expected a list of regexes")
        return tuple(self.regex(v, where, flags) for v in value)



def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """A child profile inherits its parent's tables; child rules with a parent's id replace it."""
    out = {**parent, **{k: v for k, v in child.items() if k not in ("chrome", "split", "meta")}}
    out["meta"] = {**parent.get("meta", {}), **child.get("meta", {})}
    for key in ("chrome", "split"):
        mine = {r.get("id"): r for r in child.get(key, [])}
        out[key] = [mine.pop(r.get("id"), r) for r in parent.get(key, [])] + list(mine.values())
    return out


def _chrome_rule(c: _Checker, pid: str, raw: Any, n: int) -> ChromeRule:
    where = f"chrome[{n}]"
    r = c.keys(raw, RULE_KEYS, where)
    rid = c.typed(r, "id", str, "", where)
    if not re.fullmatch(r"[a-z0-9_]+", rid):
        raise c.fail(f"{where}: id must be lower_snake_case, got {rid!r}")
    where = f"chrome rule {rid!r}"
    kinds = [k for k in ("match", "find", "keywords", "repeated") if r.get(k)]
    if len(kinds) != 1:
        raise c.fail(f"{where}: needs exactly one of match, find, keywords, repeated (has {kinds or 'none'})")
    if "follow" in r and "match" not in r:
        raise c.fail(f"{where}: follow only makes sense with match")
    claim = c.typed(r, "claim_previous", str, "", where)
    if claim and claim not in LIFTABLE:
        raise c.fail(f"{where}: claim_previous {claim!r} is not a Meta field")
    return ChromeRule(
        id=f"{pid}.{rid}",
        match=c.regexes(r.get("match", []), f"{where}.match"),
        find=c.regexes(r.get("find", []), f"{where}.find"),
        follow=c.regex(r["follow"], f"{where}.follow") if "follow" in r else None,
        follow_max=c.typed(r, "follow_max", int, 10, where),
        head_only=c.typed(r, "head_only", bool, False, where),
        edges_only=c.typed(r, "edges_only", bool, False, where),
        ends_body=c.typed(r, "ends_body", bool, False, where),
        keywords=c.typed(r, "keywords", bool, False, where),
        repeated=c.typed(r, "repeated", bool, False, where),
        claim_previous=claim,
        flag=c.typed(r, "flag", str, "", where),
        page_break=c.typed(r, "page_break", bool, False, where),
        joins=c.typed(r, "joins", bool, False, where),
    )


def _build(path: Path, d: dict[str, Any]) -> Profile:
    c = _Checker(path)
    c.keys(d, TOP_KEYS | (GENERIC_KEYS if path.stem == GENERIC else set()), "the file")
    pid = c.typed(d, "id", str, "", "the file")
    if pid != path.stem:
        raise c.fail(f"id {pid!r} must equal the file name {path.stem!r}")
    name = c.typed(d, "name", str, None, "the file") if "name" in d else None
    if name is None:
        raise c.fail("missing key 'name' (the site's display name)")

    detect = c.keys(d.get("detect", {}), {"signals", "min"}, "[detect]")
    signals = c.regexes(detect.get("signals", []), "[detect].signals", re.MULTILINE)
    min_signals = c.typed(detect, "min", int, 2, "[detect]")
    if pid == GENERIC and signals:
        raise c.fail("the generic profile is the fallback and must have no [detect] signals")
    if pid != GENERIC and not (2 <= min_signals <= len(signals)):
        raise c.fail("[detect] needs at least 2 signals and 2 <= min <= len(signals): "
                     "one word a body could contain must never decide the site")

    meta_t = c.keys(d.get("meta", {}), LIFTABLE | {"other"}, "[meta]")
    meta = {k: c.regexes(v, f"[meta].{k}") for k, v in meta_t.items()}
    for k, pats in meta.items():
        if k != "other" and any(p.groups < 1 for p in pats):
            raise c.fail(f"[meta].{k}: each pattern needs a (group) around the value")

    chrome_raw = d.get("chrome", [])
    if not isinstance(chrome_raw, list):
        raise c.fail("chrome must be an array of tables ([[chrome]])")
    chrome = tuple(_chrome_rule(c, pid, r, i) for i, r in enumerate(chrome_raw))
    ids = [r.id for r in chrome]
    if len(set(ids)) != len(ids):
        raise c.fail(f"duplicate chrome rule id {next(i for i in ids if ids.count(i) > 1)!r}")

    splits = []
    for i, s in enumerate(d.get("split", [])):
        s = c.keys(s, SPLIT_KEYS, f"split[{i}]")
        sid = c.typed(s, "id", str, "", f"split[{i}]")
        if ("before" in s) == ("after" in s):
            raise c.fail(f"split {sid!r}: needs exactly one of before, after")
        splits.append(Split(
            id=f"{pid}.{sid}",
            before=c.regex(s["before"], f"split {sid!r}.before") if "before" in s else None,
            after=c.regex(s["after"], f"split {sid!r}.after") if "after" in s else None,
            within=c.typed(s, "within", int, 0, f"split {sid!r}"),
        ))

    html = c.keys(d.get("html", {}), {"title"}, "[html]")
    html_title = c.regexes(html.get("title", []), "[html].title")
    if any(p.groups < 1 for p in html_title):
        raise c.fail("[html].title: each pattern needs a (group) around the title")
    para = c.keys(d.get("paragraphs", {}), PARAGRAPH_KEYS, "[paragraphs]")
    trunc = c.keys(d.get("truncation", {}), TRUNCATION_KEYS, "[truncation]")
    min_chars = dict(DEFAULT_MIN_CHARS)
    per_page = trunc.get("min_chars_per_page", {})
    if not isinstance(per_page, dict):
        raise c.fail("[truncation].min_chars_per_page must be a table such as {default = 100, PPT = 15}")
    for k, v in per_page.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise c.fail(f"[truncation].min_chars_per_page.{k} must be a non-negative integer")
        min_chars[k if k == "default" else k.upper()] = v
    lexicon = None
    if pid == GENERIC:
        lex = c.keys(d.get("lexicon"), LEXICON_KEYS, "[lexicon]")
        missing = sorted(LEXICON_KEYS - set(lex))
        if missing:
            raise c.fail(f"[lexicon] misses {', '.join(missing)}")
        for k in ("strong", "weak"):
            if not isinstance(lex[k], list) or not all(isinstance(w, str) and w for w in lex[k]):
                raise c.fail(f"[lexicon].{k} must be a list of words")
        for k in ("good_chars", "near_chars", "edge_max_chars"):
            c.typed(lex, k, int, 0, "[lexicon]")
        for k in ("min_function_share", "dense_share"):
            c.typed(lex, k, float, 0.0, "[lexicon]")
        lexicon = Lexicon.from_table(lex)
    title_t = c.keys(d.get("title", {}), {"strip"}, "[title]")
    glued = glued_title = None
    if "glued" in d:
        g = c.keys(d["glued"], {"heading_words", "not_after", "min_clause", "title_words", "max_title"}, "[glued]")
        words = g.get("heading_words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise c.fail("[glued].heading_words must be a list of words")
        stop = re.escape(c.typed(g, "not_after", str, "", "[glued]"))
        clause = c.typed(g, "min_clause", int, 4, "[glued]")
        alt = "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))
        marker = rf"(?:{CHAPTER}\s?|{CN_COMMA}|{CN_PAREN})"
        glued = re.compile(  # a heading word ends it, or a space does (（一）总体目标 到2024年底……)
            rf"^({marker}(?:[^，。；：,;:、\s]{{2,14}}(?= )|[^，。；：,;:、\s]{{0,10}}?(?:{alt})(?=[^{stop}\s]))) ?"
            rf"(?=[^，。；：,;:！？!?]{{{clause},}})")
        tw = g.get("title_words", [])
        if not isinstance(tw, list) or not all(isinstance(w, str) and w for w in tw):
            raise c.fail("[glued].title_words must be a list of words")
        talt = "|".join(map(re.escape, sorted(set(tw), key=len, reverse=True)))
        most = c.typed(g, "max_title", int, 40, "[glued]")
        glued_title = re.compile(
            rf"^([^，。；：,;:！？!?\s]{{2,{most}}}?(?:{talt}))(?=[^{stop}\s][^，。；：,;:！？!?]{{{clause * 2 - 1},}})")
    return Profile(
        lexicon=lexicon,
        title_strip=c.regexes(title_t.get("strip", []), "[title].strip"),
        glued=glued,
        glued_title=glued_title,
        id=pid,
        name=name,
        path=path,
        signals=signals,
        min_signals=min_signals,
        meta=meta,
        chrome=chrome,
        splits=tuple(splits),
        split_spaces=c.typed(para, "split_spaces", bool, False, "[paragraphs]"),
        join_wrapped=c.typed(para, "join_wrapped", bool, False, "[paragraphs]"),
        min_chars_per_page=min_chars,
        html_title=html_title,
    )


@cache
def load() -> tuple[Profile, ...]:
    """Every site profile, validated, the generic one last (it is the fallback)."""
    raw = {p.stem: (p, d) for p, d in rules.load("sites")}
    if GENERIC not in raw:
        raise PipelineError("site profiles: generic.toml is missing (the profile for unknown sites)")

    def resolved(pid: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        path, d = raw[pid]
        parent = d.get("extends")
        if parent is None:
            return d
        if not isinstance(parent, str) or parent not in raw:
            raise PipelineError(f"site profile {path.name}: extends unknown profile {parent!r}")
        if parent in seen:
            raise PipelineError(f"site profile {path.name}: extends loop {' -> '.join(seen + (parent,))}")
        base = {k: v for k, v in resolved(parent, seen + (pid,)).items() if k not in ("detect", "extends")}
        return _merge(base, d)

    profiles = [_build(raw[pid][0], resolved(pid, (pid,))) for pid in raw]
    return tuple(sorted(profiles, key=lambda p: (p.id == GENERIC, p.id)))


def generic() -> Profile:
    """The profile for unknown sites, whose rules and lexicon apply on every page."""
    return load()[-1]


def detect(page: str) -> tuple[Profile, list[str]]:
    """The profile whose signals the page matches most (at least its ``min``), else generic.

    ``page`` is the page's lines with whitespace and bullets trimmed, so ``^…$`` anchor lines.
    Returns the profile and the signals that matched (for the manifest).
    """
    best: tuple[int, Profile, list[str]] | None = None
    fallback = None
    for p in load():
        if p.id == GENERIC:
            fallback = p
            continue
        hits = [s.pattern for s in p.signals if s.search(page)]
        if len(hits) >= p.min_signals and (best is None or len(hits) > best[0]):
            best = (len(hits), p, hits)
    if best:
        return best[1], best[2]
    assert fallback is not None
    return fallback, []
