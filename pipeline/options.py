"""Build options: everything a user can switch, in one frozen value passed to every stage."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from pipeline.render import FORMATS

PDF_VARIANTS = ("pdf/a-3u", "pdf/ua-1")


@dataclass(frozen=True)
class Options:
    formats: tuple[str, ...] = FORMATS
    restore: bool = True  # --no-restore turns the restore stage into a pass-through
    skip_rules: frozenset[str] = field(default_factory=frozenset)  # rule ids a reviewer rejected
    reject_edits: frozenset[str] = field(default_factory=frozenset)  # single edits (edit ids) a reviewer rejected
    keep_summary: bool = True  # the content farm's 编者按 summary, set apart in the renders
    number_headings: bool = True  # add 一、二、 to level-1 headings the source left unnumbered
    pdf_variant: str | None = None  # None, "pdf/a-3u" (archival) or "pdf/ua-1" (accessible)
    page_count: bool = True  # measure the DOCX's pages with LibreOffice when it is installed
    to_simplified: bool = False  # a Traditional mirror's text folded to Simplified (OpenCC)
    reference_docx: str = ""  # a user's own DOCX style set (like pandoc's --reference-doc)

    def skips(self, rule_id: str) -> bool:
        """True when a reviewer rejected this rule or a prefix family of it (`swap.` skips all)."""
        return any(rule_id == r or (r.endswith(".") and rule_id.startswith(r)) for r in self.skip_rules)

    def digest(self, exclude: tuple[str, ...] = ()) -> str:
        """Stable hash of the options, so an incremental build notices a changed switch
        (``exclude``: switches the caller compares otherwise, such as the formats)."""
        d = asdict(self)
        d["skip_rules"] = sorted(self.skip_rules)
        d["reject_edits"] = sorted(self.reject_edits)
        if not self.reject_edits:  # a build with no rejections hashes as it did before they existed
            d.pop("reject_edits")
        for k in exclude:
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]
