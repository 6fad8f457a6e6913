"""Search excerpts cut in Python from the stored text, in the shape FTS5's snippet() gives: [hits] and … gaps.

SQLite can only compute snippet() on a row the MATCH is positioned on, so excerpts for the 20 rows a search
returns meant running the MATCH a second time; for a prefix or a very common word that doubled the search.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"\w+", re.UNICODE)
SCAN_CHARS = 20_000  # the excerpt comes from the start of a long body, as PostgreSQL's ts_headline does here


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case and accents folded away, as FTS5's unicode61 tokenizer compares words."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def excerpt(body: str, query_words: list[str], size: int = 16) -> str:
    """About `size` words of `body` around the first word that starts with a query word, hits in brackets."""
    text = (body or "")[:SCAN_CHARS]
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return ""
    prefixes = tuple(fold(part) for w in query_words for part in _TOKEN.findall(w))
    hits = {i for i, m in enumerate(tokens) if prefixes and fold(m.group()).startswith(prefixes)}
    first = min(hits) if hits else 0
    start = max(0, min(first - size // 4, len(tokens) - size))
    end = min(len(tokens), start + size)
    out = ["…" if start > 0 else ""]
    at = tokens[start].start()
    for i in range(start, end):
        m = tokens[i]
        out.append(text[at : m.start()])
        out.append(f"[{m.group()}]" if i in hits else m.group())
        at = m.end()
    if end < len(tokens) or len(text) < len(body or ""):
        out.append("…")
    return "".join(out)
