"""Pages: the flow canvas (the dependency graph as SVG), and the JSON it re-reads on live updates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from plandesk.core import edges as edge_core
from plandesk.core import graph
from plandesk.core.vocab import DEPENDENCY_LABELS, EDGE_LABELS
from plandesk.web import board_data, flow_layout
from plandesk.web.layout import actor_of, frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
# Labels a person can draw between two tasks (the others join documents).
# (0, 0) means "never placed", so automatic positions start away from it.
ORIGIN = (40.0, 40.0)
TASK_EDGE_LABELS = tuple(label for label in EDGE_LABELS if label not in ("documents", "references", "supersedes"))


def flow_data(db, actor, project_id: str) -> dict:
    task_list = board_data.all_tasks(db, actor, project_id)
    waiting = board_data.waiting_on(db, project_id, task_list)
    ids = {t["id"] for t in task_list}
    links = [e for e in edge_core.list_edges(db, actor, project_id)
             if e["from_type"] == "task" and e["to_type"] == "task" and e["from_id"] in ids and e["to_id"] in ids]
    pairs = [graph.orient(e["label"], e["from_id"], e["to_id"]) for e in links if e["label"] in DEPENDENCY_LABELS]
    auto = flow_layout.layout(task_list, pairs, origin=ORIGIN)
    # A task at (0, 0) was never placed by anyone: it gets the automatic position, laid out apart from the
    # placed ones (below them) so that nothing lands on top of a hand-placed node.
    placed = [t for t in task_list if t["x"] or t["y"]]
    unplaced = [t for t in task_list if not (t["x"] or t["y"])]
    fill = auto
    if placed and unplaced:
        bottom = max(t["y"] for t in placed) + flow_layout.NODE_H + 120
        left = min(t["x"] for t in placed)
        unplaced_ids = {t["id"] for t in unplaced}
        fill = flow_layout.layout(unplaced, [p for p in pairs if p[0] in unplaced_ids and p[1] in unplaced_ids],
                                  origin=(left, bottom))
    nodes = []
    for t in task_list:
        x, y = (t["x"], t["y"]) if (t["x"] or t["y"]) else fill[t["id"]]
        nodes.append({"id": t["id"], "label": t["label"], "status": t["status"], "priority": t["priority"],
                      "version": t["version"], "x": x, "y": y, "placed": bool(t["x"] or t["y"]),
                      "auto_x": auto[t["id"]][0], "auto_y": auto[t["id"]][1],
                      "waiting": len(waiting.get(t["id"], []))})
    return {"project_id": project_id, "nodes": nodes,
            "edges": [{"id": e["id"], "from": e["from_id"], "to": e["to_id"], "label": e["label"],
                       "dependency": e["label"] in DEPENDENCY_LABELS, "style": e["style"]} for e in links],
            "node": {"w": flow_layout.NODE_W, "h": flow_layout.NODE_H}}


@router.get("/projects/{project_id}/flow")
@page
def flow(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="flow", title="Flow")
    ctx.update(flow=flow_data(db, actor, project_id), edge_labels=TASK_EDGE_LABELS,
               dependency_labels=DEPENDENCY_LABELS, can_write=actor.can_write)
    return render(request, "flow.html", ctx)


@router.get("/projects/{project_id}/flow.json")
@page
def flow_json(request: Request, project_id: str) -> Response:
    db, actor = actor_of(request)
    return JSONResponse(flow_data(db, actor, project_id), headers={"Cache-Control": "no-store"})
