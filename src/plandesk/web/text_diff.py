"""Line diffs for revision history: which lines a change removed and added, with a little context."""

from __future__ import annotations

import difflib

CONTEXT = 3
MAX_LINES = 2000  # very long bodies are compared on their first lines only; the page says so


def line_diff(before: str | None, after: str | None) -> dict:
    """{"rows": [{"kind": "equal"|"del"|"ins"|"gap", "text": str}], "added": n, "removed": n, "cut": bool}."""
    a = (before or "").splitlines()
    b = (after or "").splitlines()
    cut = len(a) > MAX_LINES or len(b) > MAX_LINES
    a, b = a[:MAX_LINES], b[:MAX_LINES]
    rows: list[dict] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunk = a[i1:i2]
            if len(chunk) > CONTEXT * 2 + 1:
                head = chunk[:CONTEXT] if rows else []
                tail = chunk[-CONTEXT:] if i2 < len(a) else []
                rows += [{"kind": "equal", "text": t} for t in head]
                rows.append({"kind": "gap", "text": f"{len(chunk) - len(head) - len(tail)} unchanged lines"})
                rows += [{"kind": "equal", "text": t} for t in tail]
            else:
                rows += [{"kind": "equal", "text": t} for t in chunk]
            continue
        for t in a[i1:i2]:
            rows.append({"kind": "del", "text": t})
            removed += 1
        for t in b[j1:j2]:
            rows.append({"kind": "ins", "text": t})
            added += 1
    return {"rows": rows, "added": added, "removed": removed, "cut": cut}
