"""Pages from many document-sharing sites, most with no profile of their own: chrome out, the
title, the metadata, the first and last paragraph, headings apart, truncation warned.

Each case in tests/cases/sites/ is a page written for these tests in one real site's layout
(chrome lines, indentation, metadata rows, notices as observed on the site) around an invented
body, with its gold expectations written by hand beside it in <case>.json:
  title      the document's own title (the title block); the site's may add a year in front
  meta       the fields the page shows (doc_id, size, pages, format, date, uploader)
  first      how the first paragraph after the title (and any opening heading) begins
  last       how the document ends
  headings   headings that must stand as blocks of their own
  truncated  whether the page is a cut-short preview
  chrome     site strings that must not be in the document
  script     simplified or traditional
Strings are compared after NFKC and without spaces: sites fold punctuation differently.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.model import Document
from pipeline.options import Options
from pipeline.stages.structure import structure

SITES = Path(__file__).parents[1] / "cases" / "sites"
CASES = sorted(p.stem for p in SITES.glob("*.json"))
YEAR = re.compile(r"^(?:19|20)\d{2}年?度?")
# (case, check) pairs the pipeline does not meet yet, each with the reason; strict, so a fix
# that makes one pass fails here until the entry is removed.
KNOWN_GAPS = {
    ("renrendoc", "headings"): "（一）完善设施配置各社区要……: a verb-object heading glued to its text has no "
                               "boundary a rule can see without guessing (only heading nouns like 目标 are used)",
}
CHECKS = ["title", "meta", "first", "last", "headings", "truncated", "chrome", "script"]


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


_built: dict[str, tuple[Document, dict]] = {}


def built(name: str) -> tuple[Document, dict]:
    if name not in _built:
        page = next(p for p in SITES.glob(name + ".*") if p.suffix != ".json")
        opts = Options(restore=False)
        doc = structure(clean(ingest(page.read_bytes(), page.name), opts), opts)
        _built[name] = doc, json.loads((SITES / f"{name}.json").read_text(encoding="utf-8"))
    return _built[name]


def test_there_are_cases_from_at_least_15_sites() -> None:
    assert len(CASES) >= 15
    assert all(next((p for p in SITES.glob(c + ".*") if p.suffix != ".json"), None) for c in CASES)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name", CASES)
def test_site_case(name: str, check: str, request: pytest.FixtureRequest) -> None:
    if (name, check) in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name, check]))
    doc, gold = built(name)
    body = doc.body
    paragraphs = [b for b in body if b.kind == "paragraph"]
    if check == "title":
        titles = [b.text for b in body if b.kind == "title"]
        assert titles and norm(titles[0]) == norm(gold["title"])
        assert norm(YEAR.sub("", doc.meta.title)) == norm(YEAR.sub("", gold["title"]))
    elif check == "meta":
        for field, value in gold["meta"].items():
            assert norm(str(getattr(doc.meta, field))) == norm(str(value)), field
    elif check == "first":
        assert paragraphs and norm(paragraphs[0].text).startswith(norm(gold["first"]))
    elif check == "last":
        assert norm(body[-1].text).endswith(norm(gold["last"]))
    elif check == "headings":
        blocks = {norm(b.text) for b in body}
        assert [h for h in gold["headings"] if norm(h) not in blocks] == []
    elif check == "truncated":
        warned = any(f.stage == "clean" and f.level == "warning" for f in doc.flags)
        assert warned is gold["truncated"]
    elif check == "chrome":
        text = norm("".join(b.text for b in body))
        assert [c for c in gold["chrome"] if norm(c) in text] == []
    else:
        assert doc.meta.script == gold["script"]


@pytest.mark.parametrize("name", CASES)
def test_an_undamaged_page_keeps_its_words(name: str) -> None:
    """The bodies were written for these cases, undamaged: restore changes no word in them
    (开展主题班会 on a class teacher's plan once became 发展主题班会, its own vote opening the gate)."""
    from pipeline.stages.restore import restore

    page = next(p for p in SITES.glob(name + ".*") if p.suffix != ".json")
    doc = restore(clean(ingest(page.read_bytes(), page.name), Options()), Options())
    assert [(e.before, e.after) for e in doc.edits if e.rule.startswith("swap.")] == []
