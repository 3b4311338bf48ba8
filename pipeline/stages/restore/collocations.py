"""What real undamaged text puts beside a swap pair's two words: counts of each short run of Han
characters after (and, for some pairs, before) the original and the swapped form, from
``rules/restore/collocations.toml`` (built by bench/build_collocations.py from a corpus of
official text kept outside the repository). A swap rule's ``collocation`` cue turns the two counts
of the longest run the document has into a log-ratio: 企业开展离不开… reads 发展离不开 (real text:
27 to 0), 亿元以上工程 reads 亿元以上项目."""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError

# The characters a counted run is made of (the basic Han block): the builder counts runs of these
# and the loader matches them, so one definition serves both.
RUN_CHARS = "\u4e00-\u9fff"
_RUN = re.compile(f"[{RUN_CHARS}]+")
_RUN_CHAR = re.compile(f"[{RUN_CHARS}]")
SIDES = ("right", "left", "both", "tail")
# A clause's tail is its last TAIL Han characters, read when the clause after the word holds at
# least TAIL + 1 of them and no more than TAIL_MAX characters (the builder's and the loader's one
# definition): the head of the word's object (开展…专项检查, 发展…特色产业).
TAIL, TAIL_MAX = 2, 25
_NOT_RUN = re.compile(f"[^{RUN_CHARS}]+")


@dataclass(frozen=True)
class Collocations:
    totals: tuple[int, int]  # occurrences of the original, of the swapped form, counted
    runs: dict[str, tuple[int, int, str]]  # run after the word -> (times with original, with swapped, tag)
    longest: int
    left: dict[str, tuple[int, int, str]] = dataclasses.field(default_factory=dict)  # run before the word
    longest_left: int = 0
    tail: dict[str, tuple[int, int, str]] = dataclasses.field(default_factory=dict)  # clause tail after it
    # (swapped, original) of the pairs whose swapped form a run reads as the original (see
    # swaps.toml's in_runs): the table counts real text, where 服务业 is written, not 效劳业
    read_as: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, data: Any, where: str) -> Collocations:
        """Parse one family's table; a malformed one is an error naming its file."""
        try:
            a, b = (int(x) for x in data["totals"])
            if a <= 0 or b <= 0:
                raise ValueError("totals must be positive")
            runs = _lines(data.get("right", ""))
            left = _lines(data.get("left", ""))
            tail = _lines(data.get("tail", ""))
        except (KeyError, TypeError, ValueError) as e:
            raise PipelineError(f"{where}: bad collocation table ({e})") from e
        return cls((a, b), runs, max(map(len, runs), default=0), left, max(map(len, left), default=0), tail)

    def find(self, right: str, min_total: int) -> tuple[str, int, int, str] | None:
        """The longest run at the start of ``right`` (the clause after the word) seen at least
        ``min_total`` times in all, with its two counts and jieba's part of speech of its first
        word ("" where the table has none)."""
        m = _RUN.match(right)
        return _longest(self.runs, m.group(0)[:self.longest] if m else "", min_total, from_end=False)

    def find_left(self, left: str, min_total: int) -> tuple[str, int, int, str] | None:
        """The same for the run ending ``left`` (the clause before the word), with the part of
        speech of its last word."""
        end = left[max(0, len(left) - self.longest_left):]
        i = len(end)
        while i and _RUN_CHAR.match(end[i - 1]):  # (a regex anchored at the end rescans: quadratic)
            i -= 1
        return _longest(self.left, end[i:], min_total, from_end=True)

    def find_tail(self, right: str, min_total: int) -> tuple[str, int, int, str] | None:
        """The same for the clause's tail (see TAIL): the head of what follows the word."""
        key = tail_of(right)
        hit = self.tail.get(key) if key else None
        return (key, *hit) if hit is not None and hit[0] + hit[1] >= min_total else None

    def cue(self, v: Any, where: str) -> dict[str, Any]:
        """A rule's ``collocation = {min, at_least, tags[, side]}`` condition, checked: ``side``
        "left" reads the run before the word (the table must have one), "right" (the default)
        the run after it, "both" adds the two log-ratios (a run seen on one side only counts
        alone), "tail" the clause's tail; an empty ``tags`` list takes any part of speech. ``at_most``
        in place of ``at_least`` votes for the swapped form: the log-ratio at most that."""
        bound = {"at_least", "at_most"} & set(v) if isinstance(v, dict) else set()
        if not (len(bound) == 1 and {"min", "tags"} | bound <= set(v) <= {"min", "tags", "side"} | bound
                and isinstance(v["min"], int) and isinstance(v[next(iter(bound))], (int, float))
                and isinstance(v["tags"], list) and v.get("side", "right") in SIDES):
            raise PipelineError(f"{where}: collocation needs min, tags and at_least or at_most "
                                f"(and side: {', '.join(SIDES)})")
        side = v.get("side", "right")
        if side in ("left", "both") and not self.left:
            raise PipelineError(f"{where}: this family's collocation table counts no runs before the word")
        if side == "tail" and not self.tail:
            raise PipelineError(f"{where}: this family's collocation table counts no clause tails")
        return {"min": v["min"], "bound": float(v.get("at_least", v.get("at_most"))), "up": "at_least" in v,
                "tags": frozenset(v["tags"]), "side": side}

    def vote(self, left: str, right: str, cue: dict[str, Any]) -> str | None:
        """The cue's note when the run on the cue's side of the word votes as the cue asks: seen at
        least ``min`` times, its word next to ours one of ``tags``, its log-ratio at least
        ``at_least`` (at most ``at_most``)."""
        side = cue["side"]
        for swapped, original in self.read_as:
            left, right = left.replace(swapped, original), right.replace(swapped, original)
        if side == "tail":
            runs = (self.find_tail(right, cue["min"]),)
        else:
            runs = (self.find_left(left, cue["min"]) if side != "right" else None,
                    self.find(right, cue["min"]) if side != "left" else None)
        found = [f for f in runs if f is not None and (not cue["tags"] or f[3] in cue["tags"])]
        if not found:
            return None
        ratio = sum(self.log_ratio(f[1], f[2]) for f in found)
        if (ratio < cue["bound"]) if cue["up"] else (ratio > cue["bound"]):
            return None
        return "coll " + " ".join(f"{f[0]} {f[1]}/{f[2]}" for f in found)

    def log_ratio(self, with_original: int, with_swapped: int) -> float:
        """ln of how much likelier the run is after the original than after the swapped form
        (each count +0.5, so a run never seen with one form is finite)."""
        return math.log((with_original + 0.5) / self.totals[0]) - math.log((with_swapped + 0.5) / self.totals[1])


def tail_of(right: str) -> str | None:
    """The tail of the clause ``right`` (see TAIL), or None where it has none."""
    if len(right) > TAIL_MAX:
        return None
    run = _NOT_RUN.sub("", right)
    return run[-TAIL:] if len(run) > TAIL else None


def _longest(table: dict[str, tuple[int, int, str]], run: str, min_total: int,
             from_end: bool) -> tuple[str, int, int, str] | None:
    """The longest part of ``run`` next to the word (its start, or with ``from_end`` its end) that
    ``table`` holds with at least ``min_total`` counts in all."""
    for k in range(len(run), 0, -1):
        part = run[-k:] if from_end else run[:k]
        hit = table.get(part)
        if hit is not None and hit[0] + hit[1] >= min_total:
            return part, *hit
    return None


def _lines(text: str) -> dict[str, tuple[int, int, str]]:
    out: dict[str, tuple[int, int, str]] = {}
    for line in text.splitlines():
        if line.strip():
            run, a, b, *tag = line.split()
            if len(tag) > 1 or int(a) < 0 or int(b) < 0:
                raise ValueError(f"line {line!r}")
            out[run] = (int(a), int(b), "".join(tag))
    return out
