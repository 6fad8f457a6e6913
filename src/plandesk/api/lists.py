"""The REST API's one list shape: {"items", "total", "next_cursor"}, for lists that are not paged too."""

from __future__ import annotations


def whole(items: list) -> dict:
    """A list answered in one piece (edges, tags, tokens): every item, so no next page."""
    return {"items": items, "total": len(items), "next_cursor": None}
