"""Pages: the flow canvas (the dependency graph as SVG), and the JSON it re-reads on live updates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from plandesk.core import edges as edge_core
from plandesk.core import graph, projects
from plandesk.core.vocab import DEPENDENCY_LABELS, EDGE_LABELS
from plandesk.web import board_data, flow_layout
from plandesk.web.layout import actor_of, frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
# Labels a person can draw between two tasks (the others join documents).
# (0, 0) means "never placed", so automatic positions start away from it.
ORIGIN = (40.0, 40.0)
TASK_EDGE_LABELS = tuple(
    label for label in EDGE_LABELS if label not in ("documents", "references", "supersedes")
)


def _drawn(e: dict) -> tuple[str, str]:
    """The (left, right) ends of a link as the layout sees it: prerequisites left of what they unblock."""
    return (
        graph.orient(e["label"], e["from_id"], e["to_id"])
        if e["label"] in DEPENDENCY_LABELS
        else (e["from_id"], e["to_id"])
    )


def flow_data(db, actor, project_id: str) -> dict:
    """Nodes and links to draw. Until a person arranges the canvas (an imported plan, a new project) every
    task stands where the layered layout puts it, and links carry the routes that keep them off tasks."""
    project = projects.get_project(db, actor, project_id)
    arranged = bool((project.get("canvas_layout") or {}).get("arranged"))
    task_list = board_data.all_tasks(db, actor, project_id)
    waiting = board_data.waiting_on(db, actor, project_id)
    ids = {t["id"] for t in task_list}
    links = [
        e
        for e in edge_core.list_edges(db, actor, project_id)
        if e["from_type"] == "task" and e["to_type"] == "task" and e["from_id"] in ids and e["to_id"] in ids
    ]
    auto = flow_layout.place(task_list, [_drawn(e) for e in links], origin=ORIGIN)
    fill = auto.positions
    # Arranged: a task at (0, 0) was never placed by anyone; it gets an automatic position below the
    # placed ones so that nothing lands on top of a hand-placed node.
    placed = [t for t in task_list if arranged and (t["x"] or t["y"])]
    unplaced = [t for t in task_list if not (arranged and (t["x"] or t["y"]))]
    if placed and unplaced:
        bottom = max(t["y"] for t in placed) + flow_layout.NODE_H + 120
        left = min(t["x"] for t in placed)
        unplaced_ids = {t["id"] for t in unplaced}
        fill = flow_layout.layout(
            unplaced,
            [_drawn(e) for e in links if e["from_id"] in unplaced_ids and e["to_id"] in unplaced_ids],
            origin=(left, bottom),
        )
    nodes = []
    for t in task_list:
        is_placed = arranged and bool(t["x"] or t["y"])
        x, y = (t["x"], t["y"]) if is_placed else fill[t["id"]]
        nodes.append(
            {
                "id": t["id"],
                "label": t["label"],
                "status": t["status"],
                "priority": t["priority"],
                "version": t["version"],
                "x": x,
                "y": y,
                "placed": is_placed,
                "auto_x": auto.positions[t["id"]][0],
                "auto_y": auto.positions[t["id"]][1],
                "waiting": len(waiting.get(t["id"], [])),
            }
        )
    edges = []
    for e in links:
        left, right = _drawn(e)
        edges.append(
            {
                "id": e["id"],
                "from": e["from_id"],
                "to": e["to_id"],
                "label": e["label"],
                "dependency": e["label"] in DEPENDENCY_LABELS,
                "style": e["style"],
                "left": left,
                "right": right,
                "route": auto.routes.get((left, right), []),
            }
        )
    return {
        "project_id": project_id,
        "arranged": arranged,
        "project_version": project["version"],
        "nodes": nodes,
        "edges": edges,
        "node": {"w": flow_layout.NODE_W, "h": flow_layout.NODE_H},
    }


@router.get("/projects/{project_id}/flow")
@page
def flow(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="flow", title="Flow")
    ctx.update(
        flow=flow_data(db, actor, project_id),
        edge_labels=TASK_EDGE_LABELS,
        dependency_labels=DEPENDENCY_LABELS,
        can_write=actor.can_write,
    )
    return render(request, "flow.html", ctx)


@router.get("/projects/{project_id}/flow.json")
@page
def flow_json(request: Request, project_id: str) -> Response:
    db, actor = actor_of(request)
    return JSONResponse(flow_data(db, actor, project_id), headers={"Cache-Control": "no-store"})
