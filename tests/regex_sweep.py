"""Every regex of the built-in rule files, and every pattern a pipeline module compiles, run on
adversarial 1 MB inputs (tests/test_hostile.py runs this in a subprocess with a time bound).

Rule files are walked generically, whatever their kind (sites, restore, structure, a kind
added later): every string that is a regex with an unbounded quantifier is tried, the way the
pipeline uses it: patterns under ``match`` and ``follow`` keys and ``[html].title`` are matched
against whole lines (fullmatch), all others are searched everywhere (finditer). The inputs
are built from the pattern itself: each character it names repeated, and each prefix of a
string it would match repeated or followed by a long run, packed into 1 MB strings.

    python tests/regex_sweep.py [INDEX]   # print each pattern before trying it; "ok N" at the end
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pipeline  # noqa: E402
from pipeline.stages.clean.profiles import EXT_PATTERN  # noqa: E402

SIZE = 1 << 20  # characters per input
SEGMENT = SIZE // 8  # each input packs 8 adversarial runs of 128 K characters
NOT_REGEX = {"message", "note", "name", "id", "tests", "from", "to", "cjk", "pairs", "anchors", "extends"}
WHOLE_LINE = {"match", "follow", "html.title"}
CLASS_REPS = {"s": " ", "S": "a", "d": "1", "D": "a", "w": "a", "W": " "}
UNBOUNDED = re.compile(r"(?<!\\)[*+]|\{\d*,\}")
META = re.compile(r"[\\\[\](){}.*+?|^$]")


def strings(value: object, key: str = "", table: str = "") -> Iterator[tuple[str, str]]:
    """(how it is used, string) for every string in a rule file, skipping keys that hold words."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in NOT_REGEX and not k.endswith("_id"):
                yield from strings(v, k, key)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key, table)
    elif isinstance(value, str):
        whole = key in WHOLE_LINE or f"{table}.{key}" in WHOLE_LINE
        yield ("fullmatch" if whole else "finditer"), value


def atoms(p: str) -> list[str]:
    """One character a match could hold for each atom of the pattern, in order (a crude tokenizer)."""
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            n = p[i + 1]
            out.append(CLASS_REPS.get(n, "" if n.isalpha() else n))
            i += 2
        elif c == "[":
            j = i + 1
            neg = p[j:j + 1] == "^"
            j += neg
            k = j + 1
            while k < len(p) and p[k] != "]":
                k += 1 + (p[k] == "\\")
            body = p[j:k]
            out.append("a" if neg else CLASS_REPS.get(body[1:2], "a") if body.startswith("\\") else body[:1])
            i = k + 1
        elif c == "(":
            i += 1
            if p[i:i + 1] == "?":
                m = re.match(r"\?(?:P<\w+>|[:=!>]|<[=!])", p[i:])
                i += m.end() if m else 1
        elif c in ")|*+?^$":
            i += 1
        elif c == "{":
            m = re.match(r"\{\d*,?\d*\}", p[i:])
            i += m.end() if m else 1
            if not m:
                out.append(c)
        else:
            out.append("a" if c == "." else c)
            i += 1
    return [a for a in out if a]


def segments(p: str) -> Iterator[str]:
    sample = atoms(p)
    for c in dict.fromkeys(sample + [" ", "a", "A", "1", "中", "x"]):
        yield c * SEGMENT
    for k in range(1, min(len(sample), 8) + 1):
        pre = "".join(sample[:k])
        yield pre * (SEGMENT // len(pre))
        yield pre + " " * SEGMENT
        if k < len(sample):
            yield pre + sample[k] * SEGMENT


def inputs(p: str) -> Iterator[str]:
    """The pattern's adversarial runs, eight to a 1 MB input, each input ending in a newline-free
    character no pattern expects."""
    batch: list[str] = []
    for seg in segments(p):
        batch.append(seg[:SEGMENT])
        if len(batch) == 8:
            yield "".join(batch) + "\x01"
            batch = []
    if batch:
        yield "".join(batch) + "\x01"


def patterns() -> Iterator[tuple[str, str, re.Pattern[str]]]:
    """(where, how it is used, compiled pattern) for every regex with an unbounded quantifier."""
    seen = set()
    for path in sorted((REPO / "pipeline" / "rules").rglob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for how, s in strings(data):
            if not META.search(s) or not UNBOUNDED.search(s):
                continue  # a literal, or bounded: linear by construction
            flags = re.M if s.startswith("^") else 0
            try:
                rx = re.compile(s.replace("{EXT}", EXT_PATTERN), flags)
            except re.error:
                continue  # words that are not a regex
            if (s, flags, how) not in seen:
                seen.add((s, flags, how))
                yield f"{path.relative_to(REPO)}: {s}", how, rx
    for m in pkgutil.walk_packages(pipeline.__path__, "pipeline."):  # every module of every subpackage
        if m.name.endswith("__main__"):
            continue
        for name, v in vars(importlib.import_module(m.name)).items():
            if isinstance(v, re.Pattern) and isinstance(v.pattern, str) and UNBOUNDED.search(v.pattern):
                if (v.pattern, v.flags, "finditer") not in seen:
                    seen.add((v.pattern, v.flags, "finditer"))
                    yield f"{m.name}: {name}", "finditer", v


def main(only: str = "") -> None:
    n = 0
    for i, (where, how, rx) in enumerate(patterns()):
        if only and str(i) != only:
            continue
        print(f"{i} {where}", flush=True)
        for text in inputs(rx.pattern):
            if how == "fullmatch":
                rx.fullmatch(text)
            else:
                for _ in rx.finditer(text):
                    pass
        n += 1
    print(f"ok {n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
