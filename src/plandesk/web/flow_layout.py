"""A layered layout for the flow canvas: prerequisites left of what they unblock, crossings reduced.

Layers come from the longest path over dependency edges (edges that would close a loop in imported data
are ignored), the order inside a layer from a few barycentre sweeps, and tasks with no links at all are
packed in a grid under the graph so that they do not stretch the first layer.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

NODE_W = 220
NODE_H = 72
GAP_X = 90
GAP_Y = 26
SWEEPS = 4
GRID_GAP_Y = 80


def _acyclic(nodes: list[str], pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs minus the back edges of a depth-first search (so that layering terminates)."""
    succ: dict[str, list[str]] = defaultdict(list)
    known = set(nodes)
    for a, b in pairs:
        if a in known and b in known and a != b:
            succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    kept: list[tuple[str, str]] = []
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if state.get(nxt) == 1:
                    continue  # a back edge: drop it
                kept.append((node, nxt))
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return kept


def _layers(nodes: list[str], pairs: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    succ: dict[str, list[str]] = defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for a, b in pairs:
        preds[b].append(a)
        succ[a].append(b)
        indegree[b] += 1
    layer = {n: 0 for n in nodes}
    queue = deque(n for n in nodes if indegree[n] == 0)
    while queue:
        n = queue.popleft()
        for m in succ[n]:
            layer[m] = max(layer[m], layer[n] + 1)
            indegree[m] -= 1
            if indegree[m] == 0:
                queue.append(m)
    return layer


def _order(rows: list[list[str]], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Barycentre sweeps, down then up: each node moves towards the mean position of its neighbours."""
    preds: dict[str, list[str]] = defaultdict(list)
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        preds[b].append(a)
        succ[a].append(b)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        sequence = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for i in sequence:
            ref = rows[i - 1] if downward else rows[i + 1]
            pos = {n: k for k, n in enumerate(ref)}
            neighbours = preds if downward else succ
            keys = {}
            for k, n in enumerate(rows[i]):
                ks = [pos[m] for m in neighbours[n] if m in pos]
                keys[n] = (sum(ks) / len(ks) if ks else k, k)  # no neighbours there: keep its place
            rows[i] = sorted(rows[i], key=keys.__getitem__)
    return rows


def layout(nodes: list[dict], pairs: Iterable[tuple[str, str]], *, origin: tuple[float, float] = (0.0, 0.0)
           ) -> dict[str, tuple[float, float]]:
    """Positions {id: (x, y)} for `nodes` (dicts with id, label, status) given (prerequisite, dependent)."""
    ids = [n["id"] for n in nodes]
    kept = _acyclic(ids, list(pairs))
    linked = {a for a, _ in kept} | {b for _, b in kept}
    connected = [i for i in ids if i in linked]
    loose = [i for i in ids if i not in linked]
    out: dict[str, tuple[float, float]] = {}
    ox, oy = origin
    height = 0.0
    if connected:
        layer = _layers(connected, kept)
        rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
        for n in connected:  # the input order (board order) seeds the first sweep
            rows[layer[n]].append(n)
        rows = _order(rows, kept)
        tallest = max(len(r) for r in rows)
        height = tallest * (NODE_H + GAP_Y)
        for col, row in enumerate(rows):
            shift = (tallest - len(row)) * (NODE_H + GAP_Y) / 2  # centre short layers vertically
            for k, n in enumerate(row):
                out[n] = (ox + col * (NODE_W + GAP_X), oy + shift + k * (NODE_H + GAP_Y))
    if loose:
        per_row = max(4, min(8, len(out) and max(4, int(len(out) ** 0.5) + 1)))
        top = oy + (height + GRID_GAP_Y if connected else 0.0)
        for k, n in enumerate(loose):
            out[n] = (ox + (k % per_row) * (NODE_W + GAP_X // 2), top + (k // per_row) * (NODE_H + GAP_Y))
    return out
