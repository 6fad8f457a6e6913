"""The flow canvas in Chromium: draw an edge, see a cycle refused with its reason, move a node and keep it."""

from __future__ import annotations

import pytest
from web_support import make_task, shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def node(page, task_id: str):
    return page.locator(f'.node[data-id="{task_id}"]')


def draw_link(page, source_id: str, target_id: str) -> None:
    """Drag from the source node's dot to the middle of the target node."""
    handle = page.locator(f'.handle[data-handle="{source_id}"]').bounding_box()
    target = node(page, target_id).locator(".node-box").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 30, target["y"] + 20, steps=6)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=4)
    page.mouse.up()


def edges_of(api, project_id: str) -> list[tuple[str, str, str]]:
    return sorted(
        (e["from_id"], e["to_id"], e["label"])
        for e in api.get(f"/api/v1/projects/{project_id}/edges").json()["items"]
    )


def test_drawing_a_link_between_two_tasks_creates_the_edge(page, api, project):
    audit = make_task(api, project["id"], "Audit the current funnel", status="done")
    design = make_task(api, project["id"], "Design one-page checkout", status="done")
    build = make_task(api, project["id"], "Build address autocomplete")
    pay = make_task(api, project["id"], "Wire payment intents", status="in_progress")
    cards = make_task(api, project["id"], "Write the saved-cards migration")
    load = make_task(api, project["id"], "Load-test the checkout API", status="scope")
    make_task(api, project["id"], "Localise error messages", status="backlog")
    existing = [
        (audit, design, "blocks"),
        (design, pay, "blocks"),
        (pay, cards, "feeds"),
        (build, load, "blocks"),
        (cards, load, "blocks"),
        (audit, build, "relates"),
    ]
    for a, b, label in existing:
        api.post(
            f"/api/v1/projects/{project['id']}/edges",
            json={"from_id": a["id"], "to_id": b["id"], "label": label},
        )
    page.goto(f"/projects/{project['id']}/flow")
    node(page, build["id"]).wait_for()
    page.locator("#edge-label").select_option("blocks")
    draw_link(page, design["id"], build["id"])
    wait_for(lambda: page.locator(".edge").count() == len(existing) + 1, what="the new link on the canvas")
    wanted = (design["id"], build["id"], "blocks")
    wait_for(lambda: wanted in edges_of(api, project["id"]), what="the edge in the database")
    assert len(edges_of(api, project["id"])) == len(existing) + 1
    assert not page.log.errors
    assert not page.log.csp_violations()
    page.locator("#flow-stats", has_text=f"{len(existing) + 1} links").wait_for()
    for close in page.locator(".toast-close").all():  # a calm screenshot: no toast, nothing selected
        close.click()
    page.keyboard.press("Escape")
    shot(page, "canvas")


def test_a_link_that_would_close_a_cycle_is_refused_with_the_servers_reason(page, api, project):
    first = make_task(api, project["id"], "Choose the provider")
    second = make_task(api, project["id"], "Sign the contract")
    r = api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": first["id"], "to_id": second["id"], "label": "blocks"},
    )
    assert r.status_code == 201
    page.goto(f"/projects/{project['id']}/flow")
    node(page, second["id"]).wait_for()
    draw_link(page, second["id"], first["id"])
    banner = page.locator("#flow-banner")
    banner.wait_for()
    text = banner.inner_text()
    assert "cycle" in text
    assert "Choose the provider" in text
    assert "Sign the contract" in text
    assert edges_of(api, project["id"]) == [(first["id"], second["id"], "blocks")]


def test_dragging_a_node_saves_its_new_position(page, api, project):
    task = make_task(api, project["id"], "Movable")
    page.goto(f"/projects/{project['id']}/flow")
    box = node(page, task["id"]).locator(".node-box").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 130, steps=8)
    page.mouse.up()
    moved = wait_for(
        lambda: (t := api.get(f"/api/v1/tasks/{task['id']}").json())["version"] > task["version"] and t,
        what="the position to be saved",
    )
    assert (moved["x"], moved["y"]) != (task["x"], task["y"])
    page.reload()
    transform = node(page, task["id"]).get_attribute("transform")
    assert transform == f"translate({moved['x']:g} {moved['y']:g})"


def test_an_edge_made_elsewhere_appears_on_the_open_canvas(page, api, project):
    a = make_task(api, project["id"], "Left")
    b = make_task(api, project["id"], "Right")
    page.goto(f"/projects/{project['id']}/flow")
    node(page, b["id"]).wait_for()
    page.locator('#live[data-state="live"]').wait_for()
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "feeds"},
    )
    page.locator(".edge .edge-label", has_text="feeds").wait_for(timeout=3000)


def test_a_selected_link_can_be_deleted_after_confirmation(page, api, project):
    a = make_task(api, project["id"], "Upstream")
    b = make_task(api, project["id"], "Downstream")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "relates"},
    )
    page.goto(f"/projects/{project['id']}/flow")
    page.locator(".edge-label", has_text="relates").click()
    page.get_by_role("button", name="Delete link").click()
    page.locator("#confirm").get_by_role("button", name="Delete link").click()
    wait_for(lambda: edges_of(api, project["id"]) == [], what="the edge to be deleted")
    # The canvas redraws when the page hears of the deletion, a moment after the server made it.
    wait_for(lambda: page.locator(".edge").count() == 0, what="the canvas to drop the link")
