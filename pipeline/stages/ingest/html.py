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
from html.parser import HTMLParser
from typing import Any

import lxml.html
from lxml import etree

from pipeline.errors import PipelineError

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
TOO_DEEP = etree.ErrorTypes.ERR_RESOURCE_LIMIT  # "Excessive depth in document"


def looks_like_html(text: str) -> bool:
    """A saved page, not copied text that happens to contain a '<'."""
    head = text.lstrip()[:2000].lower()
    return head.startswith("<") and any(t in head for t in ("<!doctype html", "<html", "<body", "<head"))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}


def _hidden(tag: str, attrs: Any) -> bool:
    return (
        attrs.get("hidden") is not None
        or (attrs.get("aria-hidden") or "").lower() == "true"
        or (tag == "input" and (attrs.get("type") or "").lower() == "hidden")
        or bool(HIDDEN_STYLE.search(attrs.get("style") or ""))
    )


class _Visible:
    """The visible text of a stream of start / text / end events, with a stack instead of
    recursion: a page nested thousands of levels deep is text like any other."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, dropped, inside <pre>)

    def start(self, tag: str, attrs: Any) -> None:
        dropped, pre = self.stack[-1][1:] if self.stack else (False, False)
        dropped = dropped or tag in DROP or not tag or _hidden(tag, attrs)
        pre = pre or tag in ("pre", "textarea")
        self.stack.append((tag, dropped, pre))
        if dropped:
            return
        if tag in BLOCK:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append(PRE_NEWLINE if pre else "\n")
        elif tag in CELL:
            self.out.append(" ")

    def text(self, s: str | None) -> None:
        if not s or (self.stack and self.stack[-1][1]):
            return
        pre = bool(self.stack) and self.stack[-1][2]
        self.out.append(s.replace("\r\n", "\n").replace("\n", PRE_NEWLINE).replace(" ", PRE_SPACE) if pre
                        else SPACES.sub(" ", s))

    def end(self) -> None:
        tag, dropped, _ = self.stack.pop()
        if not dropped and tag in BLOCK:
            self.out.append("\n\n")

    def body(self) -> str:
        lines = [ln.strip(" ") for ln in "".join(self.out).split("\n")]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
        return body.replace(PRE_NEWLINE, "\n").replace(PRE_SPACE, " ") + "\n"


class _Stream(HTMLParser):
    """The standard library's tokenizer, for pages nested deeper than libxml2 will go."""

    def __init__(self, sink: _Visible) -> None:
        super().__init__(convert_charrefs=True)
        self.sink = sink
        self.title: list[str] | None = None
        self.title_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.title is None:
            self.title = []
        self.sink.start(tag, {k: ("" if v is None else v) for k, v in attrs})
        if tag in VOID:
            self.sink.end()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.sink.start(tag, {k: ("" if v is None else v) for k, v in attrs})
        self.sink.end()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None and not self.title_text:
            self.title_text = "".join(self.title) or " "
        if tag in VOID or all(t != tag for t, _, _ in self.sink.stack):
            return  # a stray end tag closes nothing
        while self.sink.stack:
            top = self.sink.stack[-1][0]
            self.sink.end()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.title is not None and not self.title_text:
            self.title.append(data)
        self.sink.text(data)


def visible_text(html: str) -> tuple[str, str]:
    """(the page's visible text, its <title>): block elements on their own lines, blank lines
    between blocks. A page without any element (a bare doctype) has no visible text."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except etree.ParserError as e:
        raise PipelineError("empty file: no visible text") from e
    if any(e.type == TOO_DEEP for e in parser.error_log):
        return _streamed(html)  # libxml2 stops at 2048 levels: the rest of the page would be lost
    sink = _Visible()
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            sink.start(tag, el.attrib if tag else {})
            sink.text(el.text if tag else None)
        else:
            sink.end()
            if el is not root:
                sink.text(el.tail)
    title = root.find(".//title")
    return sink.body(), SPACES.sub(" ", title.text_content()).strip() if title is not None else ""


def _streamed(html: str) -> tuple[str, str]:
    sink = _Visible()
    stream = _Stream(sink)
    stream.feed(html)
    stream.close()
    while sink.stack:
        sink.end()
    title = stream.title_text or "".join(stream.title or [])
    return sink.body(), SPACES.sub(" ", title).strip()
