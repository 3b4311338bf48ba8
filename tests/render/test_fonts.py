"""The PDF's font checks: a character no face can draw is an error, never a silent .notdef box,
on any machine (the character used is unassigned in Unicode, so no system font has it either);
and the cmap reading that decides which characters the bundled faces cover, on font tables
built here byte by byte."""
from __future__ import annotations

import logging
import struct
from pathlib import Path

import pytest

from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.render import fonts, pdf

UNASSIGNED = "\u0378"  # no font maps it: WeasyPrint draws .notdef


@pytest.mark.needs("fonts")
def test_a_character_no_font_has_fails_the_pdf_instead_of_printing_a_box() -> None:
    doc = Document(source="t", meta=Meta(title="测试"),
                   blocks=[Block(id="b0000", text=f"正文{UNASSIGNED}内容。", kind="paragraph")])
    with pytest.raises(PipelineError, match=r'^PDF fonts: \.notdef glyph rendered for Unicode string unsupported by '
                                            r'fonts: "\u0378" \(U\+0378\)'):
        pdf.render_pdf(doc, Options())


@pytest.mark.needs("fonts")
def test_write_marks_that_character_and_warns_so_the_pdf_is_made() -> None:
    doc = Document(source="t", meta=Meta(title="测试"),
                   blocks=[Block(id="b0000", text=f"正文{UNASSIGNED}内容。", kind="paragraph")])
    written = pdf.write(doc, Options(page_count=False))
    assert written.data.startswith(b"%PDF-")
    assert [(f.rule, f.message) for f in written.flags] == [
        ("render.missing-glyph", "no PDF face has U+0378 \u0378: shown as 〓 in the PDF (the DOCX keeps them)")]


def test_only_warnings_that_name_a_font_fail_and_the_first_is_named() -> None:
    log = logging.getLogger("weasyprint")
    before = list(log.handlers)
    with fonts.every_face_loads_and_draws():
        log.warning("Using fontTools instead of HarfBuzz-Subset for font subsetting")  # known: said once at start
        log.warning("Ignored `color: bad` at 1:1, invalid value.")
        log.info("font loaded")
    with pytest.raises(PipelineError, match="^PDF fonts: Font-face 'X' cannot be loaded here$"):
        with fonts.every_face_loads_and_draws(" here"):
            log.warning("Ignored `color: bad` at 1:1, invalid value.")
            log.warning("Font-face 'X' cannot be loaded")
            log.warning("FONT 'Y' missing")
    with pytest.raises(PipelineError, match="^PDF fonts: FONT 'Y' missing$"):
        with fonts.every_face_loads_and_draws():
            log.warning("FONT 'Y' missing")
    assert log.handlers == before
    with fonts.every_face_loads_and_draws():
        pass
    log.warning("a font warning after the block")  # no longer listened to
    with pytest.raises(KeyError):  # the work's own error comes through, and the listener goes
        with fonts.every_face_loads_and_draws():
            log.warning("Font-face 'X' cannot be loaded")
            raise KeyError("k")
    assert log.handlers == before


def test_printable_marks_what_no_face_has_and_counts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "printable_chars", lambda d: lambda ch: ch in "正文内容。一")
    doc = Document(source="t", blocks=[Block(id="b0", text="正文\u0378内容\u0378。", kind="paragraph", lead="正文\u0378"),
                                       Block(id="b1", text="\u0379 一", kind="paragraph"),
                                       Block(id="b2", text="站点\u0378", layer="chrome")])
    printed, flags = fonts.printable(doc)
    assert [(b.text, b.lead) for b in printed.blocks] == [("正文〓内容〓。", "正文〓"), ("〓 一", ""), ("站点\u0378", "")]
    assert [(f.stage, f.rule, f.message) for f in flags] == [("render", "render.missing-glyph",
        "no PDF face has U+0378 \u0378 ×2, U+0379 \u0379: shown as 〓 in the PDF (the DOCX keeps them)")]
    twice = Document(source="t", blocks=[Block(id="b0", text="\u0378", kind="paragraph"),
                                         Block(id="b1", text="\u0378\u0378", kind="paragraph")])
    assert fonts.printable(twice)[1][0].message.startswith("no PDF face has U+0378 \u0378 ×3: ")
    assert doc.blocks[0].text == "正文\u0378内容\u0378。"  # the model is not changed
    clean = Document(source="t", blocks=[Block(id="b0", text="正文。", kind="paragraph")])
    assert fonts.printable(clean) == (clean, [])


def test_printable_names_ten_characters_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "printable_chars", lambda d: lambda ch: False)
    doc = Document(source="t", blocks=[Block(id="b0", text="ABCDEFGHIJKL", kind="paragraph")])
    (flag,) = fonts.printable(doc)[1]
    assert flag.message == ("no PDF face has U+0041 A, U+0042 B, U+0043 C, U+0044 D, U+0045 E, U+0046 F, U+0047 G, "
                            "U+0048 H, U+0049 I, U+004A J and 2 more: shown as 〓 in the PDF (the DOCX keeps them)")
    ten = Document(source="t", blocks=[Block(id="b0", text="ABCDEFGHIJ", kind="paragraph")])
    assert fonts.printable(ten)[1][0].message.endswith("U+004A J: shown as 〓 in the PDF (the DOCX keeps them)")
    eleven = Document(source="t", blocks=[Block(id="b0", text="ABCDEFGHIJK", kind="paragraph")])
    assert fonts.printable(eleven)[1][0].message.endswith(
        "U+004A J and 1 more: shown as 〓 in the PDF (the DOCX keeps them)")
    monkeypatch.setattr(fonts, "printable_chars", lambda d: None)  # system fonts: fontconfig decides
    assert fonts.printable(doc) == (doc, [])


@pytest.mark.needs("fonts")
def test_printable_chars_covers_the_bundled_faces() -> None:
    covered = fonts.printable_chars(fonts.font_dir())
    assert [covered(ch) for ch in ("党", "~", "\x7f", "\x9f", "\xa0", "\u0378")] == [True, True, False, False, True, False]


def test_printable_chars_needs_every_face_and_reads_the_ranges_at_both_ends(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for face in fonts.FACES[1:]:
        (tmp_path / face.file).write_bytes(b"")
    assert fonts.printable_chars(tmp_path) is None  # one face missing: system fonts, nothing to check
    (tmp_path / fonts.FACES[0].file).write_bytes(b"")
    monkeypatch.setattr(fonts, "merged_ranges", lambda paths: ([10, 30], [20, 30]))
    covered = fonts.printable_chars.__wrapped__(tmp_path)
    assert [covered(chr(n)) for n in (5, 9, 10, 20, 21, 29, 30, 31)] == [False, False, True, True, False, False, True,
                                                                         False]


def test_font_dir_is_the_environments_or_the_checkouts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRAPE2DOC_FONTS", str(tmp_path))
    assert fonts.font_dir() == tmp_path
    monkeypatch.setenv("SCRAPE2DOC_FONTS", "")
    assert fonts.font_dir() == fonts.REPO_FONTS
    monkeypatch.delenv("SCRAPE2DOC_FONTS")
    assert fonts.font_dir() == fonts.REPO_FONTS


def test_faces_and_fingerprint_follow_the_files_present(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRAPE2DOC_FONTS", str(tmp_path))
    assert fonts.available_faces(tmp_path) == [] and fonts.fingerprint() == "system"
    (tmp_path / "NotoSansCJKsc-Bold.otf").write_bytes(b"12345")
    (tmp_path / "FandolKai-Regular.otf").write_bytes(b"123")
    (tmp_path / "unrelated.otf").write_bytes(b"1")
    assert [f.file for f, _ in fonts.available_faces(tmp_path)] == ["FandolKai-Regular.otf", "NotoSansCJKsc-Bold.otf"]
    assert fonts.fingerprint() == "FandolKai-Regular.otf:3;NotoSansCJKsc-Bold.otf:5"


def test_startup_check_names_a_missing_subsetter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(fonts, "harfbuzz_subset_available", lambda: False)
    for face in fonts.FACES:
        (tmp_path / face.file).write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="pipeline.render.fonts"):
        problems = fonts.startup_check(tmp_path)
    assert problems == ["fonts: libharfbuzz-subset0 is not installed, so WeasyPrint subsets fonts with fontTools "
                        "(several seconds per PDF); install it with your package manager"]
    assert caplog.messages == problems
    (tmp_path / fonts.FACES[0].file).unlink()
    (tmp_path / fonts.FACES[2].file).unlink()
    problems = fonts.startup_check(tmp_path)
    assert problems[0] == (f"fonts: 2 of 6 font files missing in {tmp_path} (FandolFang-Regular.otf, "
                           "NotoSansCJKsc-Regular.otf): the PDF uses system fonts named FandolFang, Noto Sans CJK SC "
                           "if installed, else whatever fontconfig finds; run `make fonts`")
    assert len(problems) == 2


# --- cmap ranges, from font tables built here -------------------------------------------------------

def fmt4(ranges: list[tuple[int, int]]) -> bytes:
    segs = [*ranges, (0xFFFF, 0xFFFF)]
    n = len(segs)
    body = struct.pack(f">{n}H", *[b for _, b in segs]) + b"\0\0" + struct.pack(f">{n}H", *[a for a, _ in segs])
    body += bytes(4 * n)  # idDelta, idRangeOffset
    return struct.pack(">HHHHHHH", 4, 14 + len(body), 0, 2 * n, 0, 0, 0) + body


def fmt12(ranges: list[tuple[int, int]]) -> bytes:
    groups = b"".join(struct.pack(">III", a, b, 1) for a, b in ranges)
    return struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(ranges)) + groups


def font(subtables: list[tuple[int, int, bytes]], tag: bytes = b"cmap") -> bytes:
    """An sfnt with one table (``tag``) holding a cmap of these (platform, encoding, subtable)."""
    records, blobs, at = b"", b"", 4 + 8 * len(subtables)
    for platform, encoding, blob in subtables:
        records += struct.pack(">HHI", platform, encoding, at + len(blobs))
        blobs += blob
    table = struct.pack(">HH", 0, len(subtables)) + records + blobs
    head = struct.pack(">IHHHH", 0x00010000, 2, 0, 0, 0)
    head += b"head" + struct.pack(">III", 0, 0, 0)  # a second table before it, elsewhere
    # after the table, bytes that read as one more group: reading past the table's count shows
    return head + tag + struct.pack(">III", 0, 12 + 32, len(table)) + table + struct.pack(">III", 0x30, 0x39, 1)


def test_cmap_format_4_ranges_without_the_closing_segment() -> None:
    data = font([(3, 1, fmt4([(0x20, 0x7E), (0x4E00, 0x4E05)]))])
    assert fonts._cmap_ranges(data) == ((0x20, 0x7E), (0x4E00, 0x4E05))


def test_cmap_format_12_is_preferred_over_format_4_as_fonttools_picks() -> None:
    data = font([(3, 1, fmt4([(0x20, 0x7E)])), (3, 10, fmt12([(0x20, 0x7E), (0x20000, 0x2A6DF)]))])
    assert fonts._cmap_ranges(data) == ((0x20, 0x7E), (0x20000, 0x2A6DF))
    unicode_first = font([(0, 3, fmt4([(0x41, 0x42)])), (3, 1, fmt4([(0x61, 0x62)]))])
    assert fonts._cmap_ranges(unicode_first) == ((0x61, 0x62),)  # (3, 1) ranks above (0, 3)
    twice = font([(3, 1, fmt4([(0x41, 0x42)])), (3, 1, fmt4([(0x61, 0x62)]))])
    assert fonts._cmap_ranges(twice) == ((0x41, 0x42),)  # the first of a repeated key


def test_cmap_without_a_unicode_subtable_or_in_another_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="^no cmap$"):
        fonts._cmap_ranges(font([(3, 1, fmt4([]))], tag=b"glyf"))
    with pytest.raises(ValueError, match="^no Unicode cmap$"):
        fonts._cmap_ranges(font([(1, 0, fmt4([(0x41, 0x42)]))]))
    with pytest.raises(ValueError, match="^cmap format 6$"):
        fonts._cmap_ranges(font([(3, 1, struct.pack(">HHH", 6, 0, 0))]))


def test_a_font_file_is_read_for_its_ranges_and_characters(tmp_path: Path) -> None:
    path = tmp_path / "tiny.otf"
    path.write_bytes(font([(3, 10, fmt12([(0x41, 0x43), (0x4E00, 0x4E00)]))]))
    assert fonts.cmap_ranges(path) == ((0x41, 0x43), (0x4E00, 0x4E00))
    assert fonts.coverage(path) == frozenset("ABC一")


def test_merged_ranges_join_overlapping_and_adjacent_ranges_only(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {Path("a"): ((1, 3), (10, 12)), Path("b"): ((4, 6), (2, 3), (8, 8), (20, 30)), Path("c"): ((25, 40),)}
    monkeypatch.setattr(fonts, "cmap_ranges", table.__getitem__)
    assert fonts.merged_ranges([Path("a"), Path("b"), Path("c")]) == ([1, 8, 10, 20], [6, 8, 12, 40])  # 4 joins 3; 10 is apart from 8
    assert fonts.merged_ranges([]) == ([], [])


def test_harfbuzz_subsetter_is_installed() -> None:
    assert fonts.harfbuzz_subset_available() is True
