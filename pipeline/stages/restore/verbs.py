"""Does a verb come after a swapped 开展 before the clause ends? (发展棉花和糖料 / 开展专项检查)

开展 takes an activity (开展调研, 开展“双随机、一公开”监管); 发展 takes an industry or a thing to grow
(发展设施农业和庭院经济, 发展高新技术产业). An activity is a verb or a verbal noun, so a clause whose
rest holds none (no word jieba's dictionary tags v or vn, none of a rule's own activity nouns
such as 业务 and 试点 that the dictionary files as nouns) names no activity for 开展 to carry out.
The verbs are precomputed into ``rules/restore/lexicon.toml`` (``[lexicon.verbs]``, built by
bench/build_lexicon.py): no segmenter at run time. Every stretch of the clause is looked up, so a
verb that straddles two words only makes the test fail. A verb the dictionary lacks (联扶, an
abbreviated 联合帮扶) passes it, so a rule asks for a few characters (``min_chars``): a lone
unknown two-character word is no evidence of a noun.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipeline import rules


@dataclass(frozen=True)
class Verbs:
    words: frozenset[str]
    longest: int

    def verbless(self, text: str, stops: str, unless: tuple[str, ...], min_chars: int = 1) -> str | None:
        """``text`` up to its first ``stops`` character when it has ``min_chars`` or more and no
        verb of the table and none of ``unless`` occurs in it; else None."""
        end = next((i for i, ch in enumerate(text) if ch in stops), len(text))
        text = text[:end]
        if len(text) < max(min_chars, 1) or any(u in text for u in unless):
            return None
        for i in range(len(text) - 1):
            for k in range(2, min(self.longest, len(text) - i) + 1):
                if text[i:i + k] in self.words:
                    return None
        return text


@cache
def load() -> Verbs:
    """The verb table from the restore rule files (empty when none has one)."""
    words: set[str] = set()
    for _path, data in rules.load("restore"):
        table = data.get("lexicon", {}).get("verbs")
        if isinstance(table, dict):
            words.update(str(table.get("words", "")).split())
    return Verbs(frozenset(words), max(map(len, words), default=0))
