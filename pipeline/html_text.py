"""A saved HTML page → the text a reader saw, one block element per line.

Uses lxml's HTML parser (it copes with the tag soup browsers save); regexes cannot tell a
hidden element from a visible one. Block elements become line breaks so clean sees the same
line structure a copy from the browser would give; what is not visible is dropped, and so is
the text of form controls (a button's label, a menu's options), which is the site's, not the
document's. ``<pre>`` text keeps its lines and indentation exactly. The page's ``<title>`` is
returned apart: it is not body text, but clean may lift it as the document's title.
"""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .model import PipelineError

# Not shown to a reader, or navigation: their text never reaches the document.
DROP = {"script", "style", "noscript", "template", "head", "nav", "iframe", "object", "svg", "canvas",
        "button", "select", "option", "datalist"}  # not <form>: some sites wrap the whole page in one
BLOCK = {
    "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
    "caption", "thead", "tbody", "tfoot", "body", "html",
}
CELL = {"td", "th"}
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
SPACES = re.compile(r"[ \t\r\n\f]+")  # HTML whitespace only: NBSP is text, normalised by ingest
# <pre> text is emitted with its line breaks and spaces as these private-use characters, so the
# line stripping and blank-line collapsing below leave it exactly as written.
PRE_NEWLINE, PRE_SPACE = "\ue000", "\ue001"


def looks_like_html(text: str) -> bool:
    """A saved page, not copied text that happens to contain a '<'."""
    head = text.lstrip()[:2000].lower()
    return head.startswith("<") and any(t in head for t in ("<!doctype html", "<html", "<body", "<head"))


def _hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden", "").lower() == "true"
        or (el.tag == "input" and el.get("type", "").lower() == "hidden")
        or bool(HIDDEN_STYLE.search(el.get("style", "")))
    )


def visible_text(html: str) -> tuple[str, str]:
    """(the page's visible text, its <title>): block elements on their own lines, blank lines
    between blocks. A page without any element (a bare doctype) has no visible text."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except etree.ParserError as e:
        raise PipelineError("empty file: no visible text") from e
    out: list[str] = []

    def text(s: str | None, pre: bool) -> None:
        if s:
            out.append(s.replace("\r\n", "\n").replace("\n", PRE_NEWLINE).replace(" ", PRE_SPACE) if pre
                       else SPACES.sub(" ", s))

    def walk(el: etree._Element, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in DROP or not tag or _hidden(el):
            return  # the caller still emits this element's tail: it belongs to the parent
        pre = pre or tag in ("pre", "textarea")
        if tag in BLOCK:
            out.append("\n\n")
        elif tag == "br":
            out.append(PRE_NEWLINE if pre else "\n")
        elif tag in CELL:
            out.append(" ")
        text(el.text, pre)
        for child in el:
            walk(child, pre)
            text(child.tail, pre)
        if tag in BLOCK:
            out.append("\n\n")

    walk(root, False)
    lines = [ln.strip(" ") for ln in "".join(out).split("\n")]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    body = body.replace(PRE_NEWLINE, "\n").replace(PRE_SPACE, " ") + "\n"
    title = root.find(".//title")
    return body, SPACES.sub(" ", title.text_content()).strip() if title is not None else ""
