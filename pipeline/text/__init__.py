"""One vocabulary of Chinese text, defined once for every stage and writer: which characters
are Han, which are set wide, how a sentence ends, and how Chinese documents number their
parts (第一章 第一条, 一、, （一）, 1., 1.1). Rule files (TOML) spell their own patterns; code
builds from these."""
from __future__ import annotations

import re

# Han ideographs: the unified block, Extension A, the compatibility ideographs.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGES}]")
# Full-width punctuation a Chinese text uses between its Han characters.
CJK_PUNCT = "\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff1f\uff3b-\uff40\uff5b-\uff65“”‘’…—"
# What a typesetter sets one em wide: CJK radicals to the end of the unified block, CJK
# symbols and punctuation, compatibility ideographs, full-width forms.
WIDE_RANGES = "\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef"
WIDE = re.compile(f"[{WIDE_RANGES}]")
# The code points a CJK font subset for the review page must cover (with Extension B on).
FONT_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FFFF))
SENTENCE_FINAL = "。？！?!"

# Numbering of a document's parts. CN is a Chinese numeral's digits; the part words are those
# of 第X章 (chapter), 节 (section), 条 (article), 部分/篇/编 (part).
CN = "一二三四五六七八九十"
CN_BIG = CN + "百零〇"
PART = "章节條条部篇编款"
CHAPTER = rf"第[{CN_BIG}\d]{{1,4}}[{PART}]"  # 第一章 第十二条
CN_COMMA = rf"[{CN}]{{1,3}}、"  # 一、
CN_PAREN = rf"[（(][{CN}]{{1,3}}[）)]"  # （一）
ARABIC_PAREN = r"[（(]\d{1,2}[）)]"  # （1）
# The start of a numbered heading or item, in any of the forms above or 1. 1、 1.1.
NUMBERED = re.compile(rf"^(?:{CHAPTER}|{CN_COMMA}|{CN_PAREN}|{ARABIC_PAREN}|\d{{1,2}}(?:\.\d{{1,2}})+\s*\S|\d{{1,2}}[、．.](?!\d))")
