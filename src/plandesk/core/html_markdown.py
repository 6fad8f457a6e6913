"""HTML to Markdown for imported document bodies: headings, paragraphs, lists, links, code, emphasis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Content of these is never text a person wrote for the page; dropping it also drops any script.
DROPPED = {
    "script",
    "style",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "head",
    "title",
    "svg",
    "math",
    "canvas",
    "form",
    "button",
    "select",
    "textarea",
}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")  # the digit is the level: "#" times it in Markdown
VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "track", "wbr"}
BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "body",
    "html",
    *HEADINGS,
    "ul",
    "ol",
    "li",
    "pre",
    "blockquote",
    "hr",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
}
# A new block of one of these kinds closes an open <p>, as browsers do.
CLOSES_P = BLOCK - {"li", "tr", "thead", "tbody", "tfoot", "dt", "dd", "summary", "figcaption"}
SAFE_URL = re.compile(r"^(https?:|mailto:|#|/|\./|\.\./|[\w\-./]+(?:[?#].*)?$)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ESCAPE = re.compile(r"([\\`*\[\]<])|(?<!\w)_|_(?!\w)")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])(?=\s|$)")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a forgiving tree: stray end tags are ignored, open <p> and <li> close the way browsers do."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack: list[Node] = [self.root]
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag in DROPPED:
                self.dropping += 1
            return
        if tag in DROPPED:
            self.dropping = 1
            return
        if tag in CLOSES_P:
            self._close_open("p", stop_at={"li", "td", "th", "blockquote", "div"})
        if tag == "li":
            self._close_open("li", stop_at={"ul", "ol"})
        if tag in ("td", "th"):
            self._close_open("td", stop_at={"tr"})
            self._close_open("th", stop_at={"tr"})
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping or tag in DROPPED:
            return
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag in DROPPED:
                self.dropping -= 1
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.stack[-1].children.append(data)

    def _close_open(self, tag: str, *, stop_at: set[str]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in stop_at:
                return
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return


def html_to_markdown(html: str) -> str:
    """Convert an HTML fragment to Markdown; unknown tags keep their text, scripts and styles vanish."""
    if not html or not html.strip():
        return ""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    text = "\n\n".join(b for b in _blocks(builder.root.children) if b.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _blocks(children: list[Node | str]) -> list[str]:
    out: list[str] = []
    run: list[Node | str] = []

    def flush() -> None:
        para = _inline(run).strip()
        run.clear()
        if para:
            out.append("\n".join(_LINE_START.sub(r"\1\\\2", line.strip()) for line in para.split("\n")))

    for child in children:
        if isinstance(child, Node) and child.tag in BLOCK:
            flush()
            block = _block(child)
            if block.strip():
                out.append(block)
        else:
            run.append(child)
    flush()
    return out


def _block(node: Node) -> str:
    tag = node.tag
    if tag in HEADINGS:
        title = _inline(node.children).replace("\n", " ").strip()
        return f"{'#' * int(tag[1])} {title}" if title else ""
    if tag in ("ul", "ol"):
        return _list(node)
    if tag == "pre":
        code = _raw_text(node).strip("\n")
        lang = ""
        for child in node.children:
            if isinstance(child, Node) and child.tag == "code":
                lang = next(
                    (c[9:] for c in child.attrs.get("class", "").split() if c.startswith("language-")), ""
                )
        fence = "````" if "```" in code else "```"
        return f"{fence}{lang}\n{code}\n{fence}"
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(node.children))
        return "\n".join(("> " + line).rstrip() for line in inner.split("\n")) if inner.strip() else ""
    if tag == "hr":
        return "---"
    if tag == "table":
        return _table(node)
    return "\n\n".join(_blocks(node.children))


def _list(node: Node) -> str:
    items: list[str] = []
    number = int(node.attrs.get("start", "1")) if node.attrs.get("start", "1").isdigit() else 1
    for child in node.children:
        if isinstance(child, str):
            if child.strip():  # text straight inside a list: keep it as an item rather than lose it
                items.append("- " + _escape(_SPACE.sub(" ", child).strip()))
            continue
        if child.tag != "li":
            body = _block(child) if child.tag in BLOCK else _inline([child]).strip()
            if body:
                items.append(body)
            continue
        marker = f"{number}. " if node.tag == "ol" else "- "
        number += 1
        inner = "\n".join(_blocks(child.children)) or ""
        lines = inner.split("\n") if inner else [""]
        pad = " " * len(marker)
        items.append("\n".join([marker + lines[0]] + [(pad + line) if line else "" for line in lines[1:]]))
    return "\n".join(items)


def _table(node: Node) -> str:
    rows: list[list[str]] = []

    def collect(n: Node) -> None:
        for child in n.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    rows.append(
                        [
                            _inline(c.children).replace("\n", " ").replace("|", "\\|").strip()
                            for c in child.children
                            if isinstance(c, Node) and c.tag in ("td", "th")
                        ]
                    )
                elif child.tag in ("thead", "tbody", "tfoot"):
                    collect(child)

    collect(node)
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join([" --- "] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def _inline(children: list[Node | str]) -> str:
    parts: list[str] = []
    for child in children:
        if isinstance(child, str):
            parts.append(_escape(_SPACE.sub(" ", child)))
            continue
        tag = child.tag
        if tag == "br":
            parts.append("\\\n")
        elif tag in ("strong", "b"):
            parts.append(_wrap(_inline(child.children), "**"))
        elif tag in ("em", "i", "cite"):
            parts.append(_wrap(_inline(child.children), "*"))
        elif tag in ("del", "s", "strike"):
            parts.append(_wrap(_inline(child.children), "~~"))
        elif tag in ("code", "kbd", "samp", "tt"):
            code = _SPACE.sub(" ", _raw_text(child))
            tick = "``" if "`" in code else "`"
            parts.append(f"{tick}{code}{tick}" if code.strip() else "")
        elif tag == "a":
            label = _inline(child.children).strip()
            href = child.attrs.get("href", "").strip()
            if href and SAFE_URL.match(href):
                parts.append(f"[{label or _escape(href)}]({href.replace(' ', '%20').replace(')', '%29')})")
            else:
                parts.append(label)
        elif tag == "img":
            src = child.attrs.get("src", "").strip()
            if src and SAFE_URL.match(src) and not src.lower().startswith("mailto:"):
                parts.append(f"![{_escape(child.attrs.get('alt', ''))}]({src.replace(' ', '%20')})")
        elif tag in BLOCK:  # a block inside inline content (e.g. <div> in <span>): keep its text
            parts.append(" ".join(_blocks([child])))
        else:
            parts.append(_inline(child.children))
    return "".join(parts)


def _wrap(text: str, mark: str) -> str:
    """Emphasis markers must hug the words, so surrounding spaces move outside them."""
    if not text.strip():
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{text.strip()}{mark}{trail}"


def _raw_text(node: Node) -> str:
    out: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            out.append(child)
        elif child.tag == "br":
            out.append("\n")
        else:
            out.append(_raw_text(child))
    return "".join(out)


def _escape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" + m.group(0), text)
