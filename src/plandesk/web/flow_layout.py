"""A layered layout for the flow canvas: prerequisites left of what they unblock, long links routed
between the tasks, never through them.

Longest-path layers, then a link that spans several layers becomes a chain of dummy vertices (one per
layer in between); igraph's Sugiyama layout orders each layer to reduce crossings (barycentre sweeps) and
spaces the vertices, dummies included. The layers become columns (left to right), each layer's order
becomes rows, and each dummy becomes a waypoint: a row slot in a column that holds no task, so the drawn
link passes between tasks.
Tasks with no links at all are packed in a grid under the graph so that they do not stretch a column.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import igraph

NODE_W = 220
NODE_H = 72
GAP_X = 110  # wide enough for a link's label between two columns
GAP_Y = 26
GRID_GAP_Y = 80
SWEEPS = 100  # igraph's crossing-reduction iterations

Pair = tuple[str, str]


@dataclass
class Placement:
    """Where each task goes, and for each (source, target) pair the waypoints its link passes through.

    A waypoint is the left end of an empty row slot in a column: the link runs through it horizontally,
    from (x, y) to (x + NODE_W, y).
    """

    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    routes: dict[Pair, list[tuple[float, float]]] = field(default_factory=dict)


def _acyclic(nodes: list[str], pairs: Iterable[Pair]) -> list[Pair]:
    """The pairs minus duplicates, self-links and the back edges of a depth-first search.

    igraph breaks loops itself, but a link it reversed would be routed against its direction; links that
    close a loop in imported data are drawn without a route instead.
    """
    succ: dict[str, list[str]] = defaultdict(list)
    known = set(nodes)
    for a, b in dict.fromkeys(pairs):
        if a in known and b in known and a != b:
            succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    kept: list[Pair] = []
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


def _layers(nodes: list[str], pairs: list[Pair]) -> dict[str, int]:
    """Longest-path layers: each task one column right of its latest prerequisite."""
    succ: dict[str, list[str]] = defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for a, b in pairs:
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


def place(nodes: list[dict], pairs: Iterable[Pair], *, origin: tuple[float, float] = (0.0, 0.0)) -> Placement:
    """Positions and link routes for `nodes` (dicts with an id) given (source, target) pairs, sources left."""
    ids = [n["id"] for n in nodes]
    kept = _acyclic(ids, list(pairs))
    linked = {a for a, _ in kept} | {b for _, b in kept}
    connected = [i for i in ids if i in linked]  # the input order (board order) seeds the sweeps
    loose = [i for i in ids if i not in linked]
    out = Placement()
    ox, oy = origin
    height = 0.0
    if connected:
        layer = _layers(connected, kept)
        # The extended graph: a link spanning k layers becomes a chain through k - 1 dummy vertices, one
        # per layer in between, so that every edge igraph sees joins neighbouring layers; the dummies'
        # places are the link's waypoints.
        index = {n: k for k, n in enumerate(connected)}
        layers = [layer[n] for n in connected]
        chain_edges: list[tuple[int, int]] = []
        chains: dict[Pair, list[int]] = {}
        for a, b in kept:
            prev, dummies = index[a], []
            for lay in range(layer[a] + 1, layer[b]):
                layers.append(lay)
                dummies.append(len(layers) - 1)
                chain_edges.append((prev, dummies[-1]))
                prev = dummies[-1]
            chain_edges.append((prev, index[b]))
            if dummies:
                chains[(a, b)] = dummies
        graph = igraph.Graph(n=len(layers), edges=chain_edges, directed=True)
        coords = graph.layout_sugiyama(layers=layers, hgap=1, vgap=1, maxiter=SWEEPS).coords
        top = min(row for row, _ in coords[: len(layers)])
        col_w, row_h = NODE_W + GAP_X, NODE_H + GAP_Y

        def at(v: int) -> tuple[float, float]:
            row, lay = coords[v]
            return ox + lay * col_w, oy + (row - top) * row_h

        for n in connected:
            out.positions[n] = at(index[n])
        for pair, dummies in chains.items():
            out.routes[pair] = [(x, y + NODE_H / 2) for x, y in map(at, dummies)]
        height = max(at(v)[1] for v in range(len(layers))) - oy + NODE_H
    if loose:
        per_row = max(4, min(8, int(len(out.positions) ** 0.5) + 1))
        top_y = oy + (height + GRID_GAP_Y if connected else 0.0)
        for k, n in enumerate(loose):
            out.positions[n] = (
                ox + (k % per_row) * (NODE_W + GAP_X // 2),
                top_y + (k // per_row) * (NODE_H + GAP_Y),
            )
    return out


def layout(
    nodes: list[dict], pairs: Iterable[Pair], *, origin: tuple[float, float] = (0.0, 0.0)
) -> dict[str, tuple[float, float]]:
    """Positions {id: (x, y)} only (callers that draw no links)."""
    return place(nodes, pairs, origin=origin).positions
