"""What real undamaged text puts beside a swap pair's two words: counts of each short run of Han
characters after (and before) the original and the swapped form, from
``rules/restore/collocations.toml`` (built by bench/build_collocations.py from a corpus of
official text kept outside the repository). A swap rule's ``collocation`` cue turns the two
counts of the longest run the document has into a log-ratio: 企业开展离不开… reads 发展离不开
(real text: 24 to 0)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError

_RUN_RIGHT = re.compile(r"[\u4e00-\u9fff]+")
_RUN_LEFT = re.compile(r"[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class Collocations:
    totals: tuple[int, int]  # occurrences of the original, of the swapped form, counted
    right: dict[str, tuple[int, int, str]]  # run after the word -> (times with original, with swapped, tag)
    left: dict[str, tuple[int, int, str]]
    max_right: int
    max_left: int

    @classmethod
    def build(cls, data: Any, where: str) -> Collocations:
        """Parse one family's table; a malformed one is an error naming its file."""
        try:
            a, b = (int(x) for x in data["totals"])
            if a <= 0 or b <= 0:
                raise ValueError("totals must be positive")
            sides = {side: _lines(data.get(side, "")) for side in ("right", "left")}
        except (KeyError, TypeError, ValueError) as e:
            raise PipelineError(f"{where}: bad collocation table ({e})") from e
        return cls((a, b), sides["right"], sides["left"], max(map(len, sides["right"]), default=0),
                   max(map(len, sides["left"]), default=0))

    def find(self, side: str, text: str, min_total: int) -> tuple[str, int, int, str] | None:
        """The longest run at the word's ``side`` of ``text`` (the clause beside it) seen at least
        ``min_total`` times in all, with its two counts and the part of speech of its first word
        (jieba's tag; "" where the table has none)."""
        if side == "right":
            m, table, most = _RUN_RIGHT.match(text), self.right, self.max_right
            runs = [] if m is None else [m.group(0)[:k] for k in range(min(most, len(m.group(0))), 0, -1)]
        else:
            m, table, most = _RUN_LEFT.search(text), self.left, self.max_left
            runs = [] if m is None else [m.group(0)[-k:] for k in range(min(most, len(m.group(0))), 0, -1)]
        for run in runs:
            hit = table.get(run)
            if hit is not None and hit[0] + hit[1] >= min_total:
                return run, *hit
        return None

    def log_ratio(self, with_original: int, with_swapped: int) -> float:
        """ln of how much likelier the run is beside the original than beside the swapped form
        (each count +0.5, so a run never seen with one form is finite)."""
        return math.log((with_original + 0.5) / self.totals[0]) - math.log((with_swapped + 0.5) / self.totals[1])


def _lines(text: str) -> dict[str, tuple[int, int, str]]:
    out: dict[str, tuple[int, int, str]] = {}
    for line in text.splitlines():
        if line.strip():
            run, a, b, *tag = line.split()
            if len(tag) > 1 or int(a) < 0 or int(b) < 0:
                raise ValueError(f"line {line!r}")
            out[run] = (int(a), int(b), "".join(tag))
    return out
