"""Ingest: the bytes a user saved → a Document whose ``raw`` is clean, normalised text.

The encoding is detected, never guessed by trying codecs until one does not fail: GBK bytes
decode "successfully" as Big5 into nonsense. In order of trust: a byte-order mark, the NUL
pattern of UTF-16 without one, the charset a saved HTML page declares, then charset-normalizer
(with a tie-break between GB18030 and Big5, which short text cannot separate). Odd spaces and
control characters are normalised here, once, so every later rule can match a plain space and
the renderers never see a character XML forbids; what was touched is counted in
``doc.info["ingest"]`` because a reviewer should know the input was changed.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

from pipeline.stages.ingest.html import looks_like_html, visible_text
from pipeline.model import Document, Flag
from pipeline.errors import PipelineError
from pipeline.text import HAN

# File signatures users save by mistake instead of the page: a clearer reason than "binary".
MAGIC = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP or DOCX",
    b"\xd0\xcf\x11\xe0": "DOC/XLS (OLE)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
}
# Longest first: a UTF-32LE mark starts with the UTF-16LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf_8"), (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16"),
)
# The 8-bit encodings Chinese pages are saved in. Detection chooses among these only: short
# Chinese text is otherwise read as Japanese or Korean code pages, which fit its bytes as well.
ENCODINGS = ["utf_8", "gb18030", "big5"]
# A declared charset is believed only if it is one of these (GBK and GB2312 are read as their
# superset GB18030); a page declaring Latin-1 while holding Chinese is common and wrong.
DECLARED = {"utf_8": "utf_8", "gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030",
            "big5": "big5", "cp950": "big5", "big5hkscs": "big5hkscs"}
DECLARATION = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
DECLARATION_SCAN = 2048  # bytes: a declaration further down cannot be relied on (HTML scans 1024)
# High bytes of UTF-16 code units in Chinese text: ASCII/Latin, general punctuation and symbols,
# CJK punctuation and enclosed numbers, CJK ideographs, fullwidth forms.
UTF16_HIGH = frozenset([0x00, *range(0x20, 0x28), 0x30, 0x31, 0x32, *range(0x4E, 0xA0), 0xFE, 0xFF])
UTF16_MIN_SHARE = 0.9
UTF16_ASCII_LOW = 0.75  # without NULs, CJK code units' low bytes are printable ASCII only by chance
# Undecodable byte sequences tolerated (a cut last character, a stray byte): replaced, flagged.
# One damaged byte in UTF-8 can cost up to three replacement characters (a lead byte lost
# leaves its continuation bytes stranded), so five damaged bytes may read as fifteen.
MAX_BAD = 24
MAX_BAD_SHARE = 0.002
# Too many control characters in the decoded text means the bytes are not text at all.
BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

# What normalise() replaces, each counted under its name in info["ingest"].
NORMALISE: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("crlf", re.compile(r"\r\n"), "\n"),
    ("cr", re.compile(r"\r"), "\n"),
    # Word's manual line break (\v), form feed between pages, NEL, line/paragraph separators.
    ("line_separators", re.compile(r"[\x0b\x0c\x85\u2028\u2029]"), "\n"),
    ("controls", re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"), ""),
    # Noncharacters: XML (so DOCX) cannot hold U+FFFE/U+FFFF, and none of them is text.
    ("noncharacters", re.compile("[\ufdd0-\ufdef\ufffe\uffff" + "".join(
        f"{chr(p << 16 | 0xFFFE)}{chr(p << 16 | 0xFFFF)}" for p in range(1, 17)) + "]"), ""),
    ("zero_width", re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]"), ""),
    ("nbsp", re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]"), " "),
    ("ideographic_space_runs", re.compile(r"\u3000+"), " "),
)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_text(text: str) -> bool:
    return len(BINARY_CONTROL.findall(text)) <= max(2, len(text) // 100)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a mark: nearly every high byte of its code units is 0x00 (ASCII) or
    a CJK block. UTF-8 and GB/Big5 bytes do not fall on every other byte like that."""
    if len(data) < 2 or len(data) % 2:
        return None
    if b"\x00" not in data and _strict(data, "utf_8") is not None:
        return None  # ASCII or UTF-8 text, whose letters can look like CJK high bytes
    half = len(data) // 2
    shares = {enc: sum(b in UTF16_HIGH for b in data[k::2]) / half
              for enc, k in (("utf_16_le", 1), ("utf_16_be", 0))}
    enc = max(shares, key=shares.__getitem__)
    low = data[0::2] if enc == "utf_16_le" else data[1::2]
    if b"\x00" not in data and sum(0x20 <= b < 0x7F for b in low) > UTF16_ASCII_LOW * half:
        return None  # both halves ASCII-like: 8-bit text (an HTML page's markup), not UTF-16
    text = _strict(data, enc) if shares[enc] >= UTF16_MIN_SHARE else None
    return (text, enc) if text is not None and _is_text(text) else None


def declared_charset(data: bytes) -> str | None:
    """The charset a saved HTML/XML page declares near its top, if it is one we believe."""
    if not data.lstrip()[:1] == b"<":
        return None
    m = DECLARATION.search(data[:DECLARATION_SCAN])
    if not m:
        return None
    try:
        name = codecs.lookup((m[1] or m[2]).decode("ascii")).name.replace("-", "_")
    except LookupError:
        return None
    return DECLARED.get(name)


def _chinese_utf8(data: bytes) -> bool:
    """Valid UTF-8 whose non-ASCII text is mostly ideographs: GBK or Big5 bytes are valid UTF-8
    only by chance, and then read as Latin, Greek or Cyrillic letters (学习 → ѧϰ)."""
    text = _strict(data, "utf_8")
    if text is None:
        return False
    wide = sum(not c.isascii() for c in text)
    return wide > 0 and len(HAN.findall(text)) >= wide / 2


def _common_share(text: str, encoding: str, lead: range) -> float:
    """Share of the ideographs in ``text`` that are the encoding's common characters: the
    first lead-byte rows of GB2312 (level 1, 3755 characters) or of Big5 (5401 characters)."""
    chars = HAN.findall(text)
    if not chars:
        return 0.0
    common = 0
    for c in chars:
        try:
            common += c.encode(encoding)[0] in lead
        except UnicodeEncodeError:
            pass
    return common / len(chars)


def _gb_or_big5(data: bytes) -> str | None:
    """GB18030 or Big5 when the bytes decode as both: the reading made of more of its own
    script's common characters, GB18030 on a tie. GBK text read as Big5 is common Traditional
    characters only by chance (开展 → 羲桯); real Big5 read as GBK is not Simplified level 1."""
    gb, big5 = _strict(data, "gb18030"), _strict(data, "big5")
    if gb is None or big5 is None:
        return None
    simplified = _common_share(gb, "gb2312", range(0xB0, 0xD8))
    traditional = _common_share(big5, "big5", range(0xA4, 0xC7))
    return "big5" if traditional > simplified else "gb18030"


def _detected(data: bytes) -> str | None:
    for match in charset_normalizer.from_bytes(data, cp_isolation=ENCODINGS):
        if match.encoding in ("gb18030", "big5"):
            return _gb_or_big5(data) or match.encoding
        return match.encoding
    return None


def _nearly(data: bytes) -> tuple[str, str, int] | None:
    """(text, encoding, bad sequences) for a file that is UTF-8 or GB18030 but for a few bytes (a
    cut last character, a stray byte); UTF-8 first, as it cannot fit other text by chance."""
    limit = max(MAX_BAD, int(len(data) * MAX_BAD_SHARE))
    for enc, marker in (("utf_8", "\ufffd".encode()), ("gb18030", "\ufffd".encode("gb18030"))):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd") - data.count(marker)
        if bad <= limit and _is_text(text):
            return text, enc, bad
    return None


def decode(data: bytes) -> tuple[str, str, bool, int]:
    """(text, encoding, had_bom, undecodable byte sequences replaced by U+FFFD). A few NUL
    bytes in 8-bit text stay in the text as U+0000 (normalise removes them, with a warning)."""
    for m in MAGIC:
        if data.startswith(m):
            raise PipelineError(f"binary file ({MAGIC[m]}), not a saved page")
    for bom, enc in BOMS:
        if data.startswith(bom):
            text = _strict(data, enc + "_sig" if enc == "utf_8" else enc)
            if text is not None:
                return text, enc, True, 0
            break
    if (wide := _utf16_without_bom(data)) is not None:
        return wide[0], wide[1], False, 0
    nuls = data.count(b"\x00")
    if 0 < nuls <= max(MAX_BAD, int(len(data) * MAX_BAD_SHARE)):
        text, enc, bom, bad = decode(data.replace(b"\x00", b""))  # a stray NUL: not binary
        return _put_back_nuls(data, text, enc), enc, bom, bad
    if b"\x00" not in data:
        enc = declared_charset(data)
        if enc and enc != "utf_8" and _chinese_utf8(data):
            enc = "utf_8"  # re-saved as UTF-8 with the old declaration left in place
        text = _strict(data, enc) if enc else None
        if text is None:  # nothing declared, or a wrong declaration the bytes do not fit
            enc = _detected(data)
            text = _strict(data, enc) if enc else None
        if enc and text is not None and _is_text(text):
            return text, enc, False, 0
        if (near := _nearly(data)) is not None:
            return near[0], near[1], False, near[2]
    raise PipelineError("binary or undecodable file: no text encoding fits its bytes")


def _put_back_nuls(data: bytes, text: str, encoding: str) -> str:
    """The decoded text with its NULs back where they were (decoded piece by piece), so the
    removal is counted and reported like any other control character."""
    try:
        return "\x00".join(piece.decode(encoding) for piece in data.split(b"\x00"))
    except UnicodeDecodeError:  # a NUL inside a multibyte character: report it at the end
        return text + "\x00" * data.count(b"\x00")


# What XML cannot hold and normalise removes: named in a warning, never dropped silently.
REMOVED = ("controls", "noncharacters")


def removed_characters(text: str) -> Flag | None:
    """A warning naming the characters normalise() will remove as XML cannot hold them."""
    found: dict[str, int] = {}
    for name, rx, _ in NORMALISE:
        if name in REMOVED:
            for ch in rx.findall(text):
                found[ch] = found.get(ch, 0) + 1
    if not found:
        return None
    named = ", ".join(f"U+{ord(c):04X}" + (f" ×{n}" if n > 1 else "") for c, n in sorted(found.items())[:10])
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    total = sum(found.values())
    return Flag("ingest", "ingest.removed-characters",
                f"{total} control or noncharacter code point(s) removed (no document format can hold them): {named}{more}")


def normalise(text: str) -> tuple[str, dict[str, int]]:
    counts: dict[str, int] = {}
    for name, rx, repl in NORMALISE:
        text, n = rx.subn(repl, text)
        counts[name] = n
    return text, counts


def ingest(data: bytes, source: str) -> Document:
    if not data.strip():
        raise PipelineError("empty file")
    text, encoding, bom, bad = decode(data)
    html = looks_like_html(text)
    title = ""
    if html:
        text, title = visible_text(text)
        title = " ".join(normalise(title)[0].split())
    removed = removed_characters(text)
    text, counts = normalise(text)
    if not text.strip():
        if html:
            raise PipelineError("empty file: no visible text")
        control = sum(n for name, n in counts.items() if name in REMOVED)
        raise PipelineError(f"no text: only {control} control or noncharacter code point(s)" if control else "empty file")
    doc = Document(source=source, raw=text, stages=["ingest"])
    if removed:
        doc.flags.append(removed)
    if bad:
        doc.flags.append(Flag("ingest", "ingest.undecodable-bytes",
                              f"{bad} undecodable byte sequence(s) in the {encoding} file replaced by U+FFFD (\ufffd)"))
    doc.info["ingest"] = {
        "encoding": encoding,
        "bom": bom,
        "html": html,
        "bytes": len(data),
        "chars": len(text),
        "undecodable": bad,
        "normalised": counts,
    }
    if title:
        doc.info["ingest"]["html_title"] = title
    return doc
