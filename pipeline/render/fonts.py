"""Where the renderers find the free CJK faces that `make fonts` (scripts/fonts.sh) fetched,
which file plays which role, and the checks that the PDF drew every character with them.

WeasyPrint has no faux bold and takes face 0 (Japanese) of a .ttc, so the PDF needs one OTF
per (family, weight) and a real bold file for everything set in bold. The families are
declared under the fonts' own names: when a file is missing, the same CSS name still finds
a system copy of that family through fontconfig (with a warning, since what it finds, if
anything, is the machine's business).
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import logging
import mmap
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.model import Document, Flag
from pipeline.resources import CHECKOUT_FONTS

REPO_FONTS = CHECKOUT_FONTS
# The (platform, encoding) order in which fontTools' getBestCmap picks a Unicode cmap.
CMAP_PREFERENCE = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
LOG = logging.getLogger(__name__)
# What the PDF shows for a character none of its faces has (an emoji, a rare Han character):
# the geta mark, the typesetter's sign for a missing glyph. The DOCX keeps the character.
MISSING_MARK = "\u3013"
# WeasyPrint's own fallback notice: startup_check reports it once, not once per document.
KNOWN_FONT_NOTICE = "Using fontTools instead of HarfBuzz-Subset"


@dataclass(frozen=True)
class Face:
    role: str  # the GB/T 9704 face it stands in for: 仿宋, 楷, 黑, 宋
    family: str  # the font's own family name, by which the CSS stacks find it
    weight: int
    file: str


# 仿宋 and 楷 have no free bold: bold runs in body text are set in 宋 700 (templates/report.css).
FACES: tuple[Face, ...] = (
    Face("仿宋", "FandolFang", 400, "FandolFang-Regular.otf"),
    Face("楷", "FandolKai", 400, "FandolKai-Regular.otf"),
    Face("黑", "Noto Sans CJK SC", 400, "NotoSansCJKsc-Regular.otf"),
    Face("黑", "Noto Sans CJK SC", 700, "NotoSansCJKsc-Bold.otf"),
    Face("宋", "Noto Serif CJK SC", 400, "NotoSerifCJKsc-Regular.otf"),
    Face("宋", "Noto Serif CJK SC", 700, "NotoSerifCJKsc-Bold.otf"),
)


def font_dir() -> Path:
    """``$SCRAPE2DOC_FONTS`` or the repository's ``fonts/``; may not exist (system fonts then)."""
    return Path(os.environ.get("SCRAPE2DOC_FONTS") or REPO_FONTS)


def fingerprint() -> str:
    """Which face files the renders would use, and their sizes: a changed font set rebuilds."""
    d = font_dir()
    return ";".join(f"{f.file}:{p.stat().st_size}" for f, p in available_faces(d)) or "system"


def available_faces(directory: Path) -> list[tuple[Face, Path]]:
    """The faces whose file is in ``directory``, with the file's path."""
    return [(f, directory / f.file) for f in FACES if (directory / f.file).is_file()]


@functools.lru_cache(maxsize=16)
def coverage(path: Path) -> frozenset[str]:
    """The characters a font file has glyphs for (its cmap)."""
    return frozenset(map(chr, itertools.chain.from_iterable(range(a, b + 1) for a, b in cmap_ranges(path))))


@functools.lru_cache(maxsize=16)
def cmap_ranges(path: Path) -> tuple[tuple[int, int], ...]:
    """The code point ranges (first, last) a font file has glyphs for (its cmap)."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _cmap_ranges(data)  # only the pages of the table directory and the cmap are read
    except (ValueError, struct.error, OSError):
        pass
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True) as font:
            return tuple((c, c) for c in sorted(font.getBestCmap()))
    except (TTLibError, OSError, struct.error) as e:
        raise PipelineError(f"PDF fonts: {path} is not a font file that can be read ({e}): run `make fonts`") from None


def merged_ranges(paths: Iterable[Path]) -> tuple[list[int], list[int]]:
    """The union of the fonts' code point ranges, as sorted disjoint (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(r for p in paths for r in cmap_ranges(p)):
        if ends and a <= ends[-1] + 1:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _cmap_ranges(data: bytes | mmap.mmap) -> tuple[tuple[int, int], ...]:
    """The code point ranges of the cmap subtable fontTools' getBestCmap picks, read straight from its
    ranges (fontTools names every glyph, 0.1 s a CJK face): format 12 groups, or format 4
    segments but the closing one, as fontTools reads them. ValueError for anything else."""
    tables = {data[o:o + 4]: struct.unpack_from(">I", data, o + 8)[0]
              for o in range(12, 12 + 16 * struct.unpack_from(">H", data, 4)[0], 16)}
    if b"cmap" not in tables:
        raise ValueError("no cmap")
    cmap = tables[b"cmap"]
    subtables: dict[tuple[int, int], int] = {}
    for k in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * k)
        subtables.setdefault((platform, encoding), cmap + offset)
    best = next((subtables[key] for key in CMAP_PREFERENCE if key in subtables), None)
    if best is None:
        raise ValueError("no Unicode cmap")
    fmt = struct.unpack_from(">H", data, best)[0]
    if fmt == 12:
        count = struct.unpack_from(">I", data, best + 12)[0]
        ranges = [(a, b) for a, b, _ in struct.iter_unpack(">III", data[best + 16:best + 16 + 12 * count])]
    elif fmt == 4:
        segments = struct.unpack_from(">H", data, best + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", data, best + 14)
        starts = struct.unpack_from(f">{segments}H", data, best + 16 + 2 * segments)
        ranges = list(zip(starts, ends))[:-1]
    else:
        raise ValueError(f"cmap format {fmt}")
    return tuple(ranges)


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets with HarfBuzz when libharfbuzz-subset0 loads; its fontTools fallback
    is 4–12× slower on CJK fonts (toolchain note F1) and only says so in a log line."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def startup_check(directory: Path) -> list[str]:
    """Warn (once per press, not per document) about missing font files and a missing
    subsetter; returns the warnings so callers can show them too."""
    problems = []
    missing = [f for f in FACES if not (directory / f.file).is_file()]
    if missing:
        problems.append(
            f"fonts: {len(missing)} of {len(FACES)} font files missing in {directory} "
            f"({', '.join(f.file for f in missing)}): the PDF uses system fonts named "
            f"{', '.join(sorted({f.family for f in missing}))} if installed, else whatever "
            "fontconfig finds; run `make fonts`"
        )
    if not harfbuzz_subset_available():
        problems.append(
            "fonts: libharfbuzz-subset0 is not installed, so WeasyPrint subsets fonts with "
            "fontTools (several seconds per PDF); install it with your package manager"
        )
    for p in problems:
        LOG.warning(p)
    return problems


class _Collect(logging.Handler):
    """WeasyPrint's warnings that name a font, but for its known subsetter notice."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "font" in message.lower() and KNOWN_FONT_NOTICE not in message:
            self.messages.append(message)


@contextmanager
def every_face_loads_and_draws(where: str = "") -> Iterator[None]:
    """Fail the work inside with a PipelineError naming WeasyPrint's first font warning: a face
    that did not load, or a character drawn as .notdef (a box), would otherwise pass as a
    finished PDF. ``where`` is added to the message."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise PipelineError(f"PDF fonts: {handler.messages[0]}{where}")


@functools.lru_cache(maxsize=2)
def printable_chars(directory: Path) -> Callable[[str], bool] | None:
    """Whether some bundled face has a glyph for a character; None when the PDF falls back to
    system fonts (then fontconfig finds what it finds). A membership test over the faces'
    merged code point ranges: building the set of all 200,000 would cost a fresh process 0.2 s."""
    faces = available_faces(directory)
    if len(faces) < len(FACES):
        return None
    starts, ends = merged_ranges(path for _, path in faces)

    def covered(ch: str) -> bool:
        k = bisect.bisect_right(starts, ord(ch)) - 1
        return k >= 0 and ord(ch) <= ends[k]

    return covered


def printable(doc: Document) -> tuple[Document, list[Flag]]:
    """``doc`` with every character no PDF face can draw replaced by 〓, and one warning naming
    those characters: a page with one emoji still gets its PDF (and keeps the emoji in the DOCX)."""
    covered = printable_chars(font_dir())
    if covered is None:
        return doc, []
    missing: dict[str, int] = {}
    for b in doc.body:
        for ch in set(b.text):
            if not covered(ch) and not ch.isspace():
                missing[ch] = missing.get(ch, 0) + b.text.count(ch)
    if not missing:
        return doc, []
    table = str.maketrans({ch: MISSING_MARK for ch in missing})
    blocks = [dataclasses.replace(b, text=b.text.translate(table), lead=b.lead.translate(table))
              if b.layer == "body" else b for b in doc.blocks]
    named = ", ".join(f"U+{ord(c):04X} {c}" + (f" ×{n}" if n > 1 else "") for c, n in sorted(missing.items())[:10])
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    flag = Flag(stage="render", rule="render.missing-glyph",
                message=f"no PDF face has {named}{more}: shown as {MISSING_MARK} in the PDF (the DOCX keeps them)")
    return dataclasses.replace(doc, blocks=blocks), [flag]
