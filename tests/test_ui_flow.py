"""The flow canvas in Chromium: an imported plan opens in the layered layout, its links pass between the
tasks and their labels never sit under one (checked from the SVG's geometry), and a 200-task plan draws."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import pytest
from cli_support import run_cli
from web_support import new_page, shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "checkout-revamp.json"

# Every node's box, every link's path sampled along its length, every label's pill, in canvas units.
GEOMETRY_JS = """(sample) => {
  const boxes = [...document.querySelectorAll("#nodes .node")].map((g) => {
    const m = /translate\\(([-\\d.e]+) ([-\\d.e]+)\\)/.exec(g.getAttribute("transform"));
    const r = g.querySelector(".node-box");
    return { id: g.dataset.id, x: +m[1], y: +m[2], w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  });
  if (!sample) return { boxes, edges: [] };
  const edges = [...document.querySelectorAll("#edges .edge")].map((g) => {
    const path = g.querySelector(".edge-line");
    const length = path.getTotalLength();
    const points = [];
    for (let s = 0; s <= length; s += 4) { const p = path.getPointAtLength(s); points.push([p.x, p.y]); }
    const r = g.querySelector(".edge-label-bg");
    const label = { x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"), h: +r.getAttribute("height") };
    return { id: g.dataset.edge, points, label };
  });
  return { boxes, edges };
}"""


def import_plan(server, path: Path) -> str:
    out = run_cli(server.workspace, "import", "--in", str(path))
    return out.stdout.strip().splitlines()[-1]


def inside(point, box, margin: float = 1.0) -> bool:
    x, y = point
    return (
        box["x"] + margin < x < box["x"] + box["w"] - margin
        and box["y"] + margin < y < box["y"] + box["h"] - margin
    )


def overlaps(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


@pytest.fixture(scope="module")
def example_project(port_server) -> str:
    return import_plan(port_server, EXAMPLE)


def test_the_imported_example_has_no_link_through_a_task_and_no_label_on_one(
    browser, server, example_project
):
    page = new_page(browser, server)
    page.goto(f"/projects/{example_project}/flow")
    page.locator("#edges .edge").first.wait_for()
    geometry = page.evaluate(GEOMETRY_JS, True)
    assert len(geometry["boxes"]) == 8
    assert len(geometry["edges"]) == 7
    through = [
        (e["id"][:8], b["id"][:8])
        for e in geometry["edges"]
        for b in geometry["boxes"]
        if any(inside(p, b) for p in e["points"])
    ]
    assert through == []
    covered = [
        (e["id"][:8], b["id"][:8])
        for e in geometry["edges"]
        for b in geometry["boxes"]
        if overlaps(e["label"], b)
    ]
    assert covered == []
    assert not page.log.errors
    shot(page, "canvas-example-light")


def test_the_example_canvas_opens_fitted_in_dark_mode_and_on_a_phone(browser, server, example_project):
    for name, kwargs in (
        ("canvas-example-dark", {"dark": True}),
        ("canvas-example-390", {"width": 390, "height": 844, "mobile": True}),
    ):
        page = new_page(browser, server, **kwargs)
        page.goto(f"/projects/{example_project}/flow")
        page.locator("#edges .edge").first.wait_for()
        svg = page.locator("#flow").bounding_box()
        first = page.locator("#nodes .node").first.bounding_box()
        assert svg["x"] <= first["x"] <= svg["x"] + svg["width"]
        shot(page, name)


def big_plan(path: Path, n: int = 200) -> Path:
    rng = random.Random(15)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n)]
    statuses = ["done", "in_progress", "todo", "todo", "scope", "backlog"]
    tasks = [
        {
            "id": tid,
            "label": f"Task {i}: {rng.choice(['wire', 'test', 'ship', 'review', 'design'])} the "
            f"{rng.choice(['checkout', 'billing', 'search', 'importer', 'audit log'])}",
            "status": rng.choice(statuses),
            "x": 0,
            "y": 0,
        }
        for i, tid in enumerate(ids)
    ]
    edges = []
    for i in range(1, n):
        for _ in range(rng.choice([0, 1, 1, 2])):
            j = rng.randrange(max(0, i - 25), i)
            edges.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "from_task_id": ids[j],
                    "to_task_id": ids[i],
                    "label": rng.choice(["blocks", "feeds", "enables"]),
                    "arrow_direction": "forward",
                    "style": "solid",
                }
            )
    path.write_text(
        json.dumps(
            {
                "version": "plandesk-export-v1",
                "project": {"name": "Two hundred tasks"},
                "tasks": tasks,
                "edges": edges,
                "documents": [],
                "agent_runs": [],
            }
        )
    )
    return path


def test_a_200_task_plan_opens_in_the_layered_layout(browser, server, tmp_path):
    project_id = import_plan(server, big_plan(tmp_path / "big.json"))
    page = new_page(browser, server)
    page.goto(f"/projects/{project_id}/flow")
    page.locator("#nodes .node").nth(199).wait_for(state="attached")
    geometry = page.evaluate(GEOMETRY_JS, False)
    boxes = geometry["boxes"]
    assert len(boxes) == 200
    overlapping = [(a["id"], b["id"]) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlaps(a, b)]
    assert overlapping == []
    shot(page, "canvas-200-light")
    for name, kwargs in (
        ("canvas-200-dark", {"dark": True}),
        ("canvas-200-390", {"width": 390, "height": 844, "mobile": True}),
    ):
        page = new_page(browser, server, **kwargs)
        page.goto(f"/projects/{project_id}/flow")
        page.locator("#nodes .node").nth(199).wait_for(state="attached")
        shot(page, name)


def scale_of(page) -> float:
    transform = page.locator("#viewport").get_attribute("transform")
    return float(transform.split("scale(")[1].rstrip(")"))


def test_pinching_out_with_two_fingers_zooms_the_canvas_in(browser, server, example_project):
    page = new_page(browser, server, width=390, height=844, mobile=True)
    page.goto(f"/projects/{example_project}/flow")
    page.locator("#edges .edge").first.wait_for()
    before = scale_of(page)
    box = page.locator("#flow").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, spread: float) -> None:
        points = (
            []
            if kind == "touchEnd"
            else [{"x": cx - spread, "y": cy, "id": 1}, {"x": cx + spread, "y": cy, "id": 2}]
        )
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 30)
    for spread in (45, 60, 80, 100):
        touch("touchMove", spread)
    touch("touchEnd", 0)
    assert scale_of(page) > before * 1.5


def test_a_refused_link_says_why_once_without_internal_names(browser, server, api):
    project = api.post("/api/v1/projects", json={"name": "Cycle once"}).json()
    first = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Pick a vendor"}).json()
    second = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Sign with them"}).json()
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": first["id"], "to_id": second["id"], "label": "blocks"},
    )
    page = new_page(browser, server)
    page.goto(f"/projects/{project['id']}/flow")
    page.locator(f'.node[data-id="{second["id"]}"]').focus()
    page.keyboard.press("l")
    page.locator(f'.node[data-id="{first["id"]}"]').focus()
    page.keyboard.press("Enter")
    page.locator("#flow-banner").wait_for()
    text = page.locator("#flow-banner").inner_text()
    assert "cycle" in text
    assert "to_id" not in text
    assert page.locator(".toast").count() == 0


def test_moving_a_task_arranges_the_canvas_and_auto_layout_puts_it_back(browser, server, api, tmp_path):
    project_id = import_plan(server, EXAMPLE)
    page = new_page(browser, server)
    page.goto(f"/projects/{project_id}/flow")
    node = page.locator("#nodes .node").first
    task_id = node.get_attribute("data-id")
    box = node.locator(".node-box").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 220, steps=8)
    page.mouse.up()
    wait_for(
        lambda: api.get(f"/api/v1/projects/{project_id}").json()["canvas_layout"].get("arranged"),
        what="the canvas to be marked arranged",
    )
    page.get_by_role("button", name="Auto-layout").click()
    page.locator("#confirm").get_by_role("button", name="Lay out").click()
    page.locator(".toast", has_text="Laid out 1 tasks").wait_for()
    auto = {
        n["id"]: (n["auto_x"], n["auto_y"])
        for n in api.get(f"/projects/{project_id}/flow.json").json()["nodes"]
    }
    stored = api.get(f"/api/v1/tasks/{task_id}").json()
    assert (stored["x"], stored["y"]) == auto[task_id]
