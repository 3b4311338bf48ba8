"""`make bench`: the clean stage against the well-kept boilerplate removers (trafilatura,
jusText, readability-lxml) on the site cases in tests/cases/sites/ (their hand-written gold).

For every page it counts what each extractor gets right: the document's first and last words
present, gold headings present, and gold chrome strings leaked into the text. HTML pages go to
every extractor as they are; copied-text pages only to ours and to jusText's paragraph
classifier (the others need markup). A benchmark, not a test: it prints a table, never fails.

    python bench/extractors.py
"""
from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.stages.clean import clean  # noqa: E402
from pipeline.stages.ingest import ingest  # noqa: E402
from pipeline.options import Options  # noqa: E402

SITES = REPO / "tests" / "cases" / "sites"


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def ours(data: bytes, name: str) -> str:
    return clean(ingest(data, name), Options(restore=False)).text_view()


def _html(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def trafilatura_text(data: bytes, name: str) -> str:
    import trafilatura
    return trafilatura.extract(_html(data), include_comments=False, favor_recall=True) or ""


def justext_text(data: bytes, name: str) -> str:
    """jusText counts words by spaces and has no Chinese stoplist: the text is segmented with
    jieba first, and the function words stand in for stopwords (its defaults otherwise)."""
    import html as html_mod

    import jieba
    import justext
    import lxml.html
    if name.endswith(".html"):
        root = lxml.html.fromstring(data)
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag not in ("script", "style"):
                el.text = " ".join(jieba.lcut(el.text)) if el.text else el.text
                el.tail = " ".join(jieba.lcut(el.tail)) if el.tail else el.tail
        page = lxml.html.tostring(root, encoding="utf-8")
    else:
        lines = data.decode("utf-8").splitlines()
        page = ("<html><body>" + "".join(f"<p>{html_mod.escape(' '.join(jieba.lcut(ln)))}</p>" for ln in lines)
                + "</body></html>").encode()
    stop = frozenset("的 了 在 是 和 与 及 对 为 把 将 等 中 也 就 都 而 并 以 其 之 于 或 被 所 这 要 有 从".split())
    paras = justext.justext(page, stop, length_low=30, length_high=80, stopwords_low=0.08, stopwords_high=0.12)
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def readability_text(data: bytes, name: str) -> str:
    import lxml.html
    from readability import Document
    summary = Document(_html(data)).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "scrape2doc": ours, "trafilatura": trafilatura_text, "jusText": justext_text, "readability": readability_text,
}


def score(text: str, gold: dict) -> dict[str, int]:
    t = norm(text)
    return {
        "first": int(norm(gold["first"]) in t),
        "last": int(norm(gold["last"]) in t),
        "headings": sum(norm(h) in t for h in gold["headings"]),
        "chrome": sum(norm(c) in t for c in gold["chrome"]),
    }


def main() -> None:
    totals: dict[str, dict[str, int]] = {}
    pages = {"html": 0, "text": 0}
    for gold_file in sorted(SITES.glob("*.json")):
        page = next(p for p in SITES.glob(gold_file.stem + ".*") if p.suffix != ".json")
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        kind = "html" if page.suffix == ".html" else "text"
        pages[kind] += 1
        for name, run in EXTRACTORS.items():
            if kind == "text" and name in ("trafilatura", "readability"):
                continue
            key = f"{name} ({kind})"
            try:
                s = score(run(page.read_bytes(), page.name), gold)
            except Exception as e:  # an extractor failing on a page counts as nothing found
                print(f"{name} failed on {page.name}: {e}", file=sys.stderr)
                s = {"first": 0, "last": 0, "headings": 0, "chrome": 0}
            row = totals.setdefault(key, {"pages": 0, "first": 0, "last": 0, "headings": 0, "chrome": 0})
            row["pages"] += 1
            for k, v in s.items():
                row[k] += v
            row.setdefault("headings_gold", 0)
            row["headings_gold"] += len(gold["headings"])
    print(f"Site cases: {pages['html']} saved HTML, {pages['text']} copied text (tests/cases/sites)")
    print(f"{'extractor':26} {'pages':>5} {'first':>6} {'last':>6} {'headings':>10} {'chrome leaked':>14}")
    for key, row in totals.items():
        print(f"{key:26} {row['pages']:>5} {row['first']:>6} {row['last']:>6} "
              f"{row['headings']:>4}/{row['headings_gold']:<5} {row['chrome']:>14}")


if __name__ == "__main__":
    main()
