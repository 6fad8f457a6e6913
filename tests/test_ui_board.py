"""The board in Chromium: toasts stay few, Ctrl+Z takes back a drag, a blocked task asks before it moves."""

from __future__ import annotations

import pytest
from web_support import drag, link, make_project, make_task, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def card_in(page, status: str, label: str):
    return page.locator(f'.cards[data-status="{status}"] .card', has_text=label)


def status_of(api, task_id: str) -> str:
    return api.get(f"/api/v1/tasks/{task_id}").json()["status"]


def test_at_most_two_toasts_are_visible_after_five_quick_errors(page, api):
    project = make_project(api, "Toasts")
    labels = [f"Offline move {i}" for i in range(5)]
    for label in labels:
        make_task(api, project["id"], label)
    page.goto(f"/projects/{project['id']}/board")
    card_in(page, "todo", labels[-1]).wait_for()
    page.context.set_offline(True)
    for label in labels:
        card_in(page, "todo", label).locator(".card-link").focus()
        page.keyboard.press("Shift+ArrowRight")
    page.locator(".toast-error", has_text=labels[-1]).wait_for()
    assert page.locator(".toast").count() <= 2
    page.context.set_offline(False)


def test_ctrl_z_after_a_drag_puts_the_card_back_in_its_column(page, api):
    project = make_project(api, "Undo")
    task = make_task(api, project["id"], "Undo me")
    page.goto(f"/projects/{project['id']}/board")
    drag(page, card_in(page, "todo", "Undo me"), page.locator('.column[data-status="in_progress"]'))
    page.locator(".toast", has_text="Moved to In Progress").get_by_role("button", name="Undo").wait_for()
    wait_for(lambda: status_of(api, task["id"]) == "in_progress", what="the move to be saved")
    page.locator("main").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    card_in(page, "todo", "Undo me").wait_for()
    wait_for(lambda: status_of(api, task["id"]) == "todo", what="the undo to be saved")
    assert not page.log.errors


def test_dragging_a_blocked_task_to_done_asks_first_naming_what_it_waits_on(page, api):
    project = make_project(api, "Blocked")
    first = make_task(api, project["id"], "Design the schema")
    second = make_task(api, project["id"], "Ship the migration")
    link(api, project["id"], first["id"], second["id"])
    page.goto(f"/projects/{project['id']}/board")
    drag(page, card_in(page, "todo", "Ship the migration"), page.locator('.column[data-status="done"]'))
    dialog = page.locator("#confirm")
    dialog.wait_for()
    assert "Design the schema" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    card_in(page, "todo", "Ship the migration").wait_for()
    assert status_of(api, second["id"]) == "todo"
    drag(page, card_in(page, "todo", "Ship the migration"), page.locator('.column[data-status="done"]'))
    dialog.get_by_role("button", name="Move to Done").click()
    wait_for(lambda: status_of(api, second["id"]) == "done", what="the confirmed move to be saved")
