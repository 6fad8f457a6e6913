"""The trash in Chromium: a deleted task comes back from the toast's Undo, and from the Trash page after a reload,
with its links and comments."""

from __future__ import annotations

import pytest
from test_ui_pages import TOO_WIDE_JS
from web_support import link, make_project, make_task, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def _linked_task_with_comment(api, name):
    project = make_project(api, name)
    first = make_task(api, project["id"], "Set up the database")
    task = make_task(api, project["id"], "Migrate the users")
    link(api, project["id"], first["id"], task["id"])
    r = api.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Copy the avatars too"})
    assert r.status_code == 201, r.text
    return project, first, task


def _delete_in_drawer(page, project, task):
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    page.locator("#drawer-inner").wait_for()
    page.locator('[data-action="delete-task"]').click()
    page.locator("#confirm-ok").click()
    page.locator(f"#card-{task['id']}").wait_for(state="detached")


def _drawer_shows_link_and_comment(page, project, task, first):
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    drawer = page.locator("#drawer-inner")
    drawer.wait_for()
    drawer.locator("#comments", has_text="Copy the avatars too").wait_for()
    assert drawer.locator(".rel-group", has_text="Set up the database").count() == 1, drawer.inner_html()


def test_delete_then_undo_restores_the_task_with_its_links_and_comments(page, api):
    project, first, task = _linked_task_with_comment(api, "Undo delete")
    _delete_in_drawer(page, project, task)
    toast = page.locator(".toast", has_text="Deleted “Migrate the users”")
    toast.get_by_role("button", name="Undo").click()
    page.locator(f"#card-{task['id']}").wait_for()
    assert api.get(f"/api/v1/tasks/{task['id']}").status_code == 200
    _drawer_shows_link_and_comment(page, project, task, first)
    assert api.get(f"/api/v1/projects/{project['id']}/trash").json()["items"] == []
    assert not page.log.errors


def test_delete_then_restore_from_the_trash_page_after_a_reload(page, api):
    project, first, task = _linked_task_with_comment(api, "Trash page")
    _delete_in_drawer(page, project, task)
    page.goto(f"/projects/{project['id']}/trash")
    page.reload()
    row = page.locator(".trash-row", has_text="Migrate the users")
    row.wait_for()
    assert "1 link" in row.inner_text()
    assert "1 comment" in row.inner_text()
    shot(page, "trash-page")
    row.get_by_role("button", name="Restore").click()
    row.wait_for(state="detached")
    page.locator(".toast", has_text="Restored “Migrate the users”").wait_for()
    _drawer_shows_link_and_comment(page, project, task, first)
    assert not page.log.errors


def test_deleting_a_note_offers_undo_on_the_next_page_and_undo_brings_it_back(page, api):
    project = make_project(api, "Undo note")
    r = api.post(f"/api/v1/projects/{project['id']}/notes", json={"title": "Standup", "body": "ship **it**"})
    assert r.status_code == 201, r.text
    note = r.json()
    page.goto(f"/projects/{project['id']}/notes/{note['id']}")
    page.get_by_role("button", name="Delete note").click()
    page.locator("#confirm").get_by_role("button", name="Delete").click()
    page.wait_for_url(f"**/projects/{project['id']}/notes")
    page.locator(".toast", has_text="Deleted “Standup”").get_by_role("button", name="Undo").click()
    page.wait_for_url(f"**/notes/{note['id']}")
    page.locator("#doc-body strong", has_text="it").wait_for()
    assert api.get(f"/api/v1/notes/{note['id']}").json()["body"] == "ship **it**"
    assert not page.log.errors


@pytest.mark.parametrize("mode", ["light", "dark", "390"])
def test_the_trash_page_fits_the_viewport_light_dark_and_phone(browser, server, api, mode):
    kwargs = {"light": {}, "dark": {"dark": True}, "390": {"width": 390, "height": 844, "mobile": True}}[mode]
    project, _, task = _linked_task_with_comment(api, f"Trash {mode}")
    assert api.delete(f"/api/v1/tasks/{task['id']}").status_code == 204
    page = new_page(browser, server, **kwargs)
    page.goto(f"/projects/{project['id']}/trash")
    page.locator(".trash-row").wait_for()
    shot(page, f"trash-{mode}")
    result = page.evaluate(TOO_WIDE_JS)
    assert result["out"] == [], result
    assert result["scrollWidth"] <= result["width"], result
    assert not page.log.errors


def test_deleting_a_goal_offers_undo_and_undo_gives_its_tasks_back(page, api):
    project = make_project(api, "Undo goal")
    r = api.post(f"/api/v1/projects/{project['id']}/goals", json={"name": "Launch", "objective": "Go live"})
    assert r.status_code == 201, r.text
    goal = r.json()
    task = make_task(api, project["id"], "Point the DNS")
    assert api.patch(f"/api/v1/tasks/{task['id']}", json={"goal_id": goal["id"]}).status_code == 200
    page.goto(f"/projects/{project['id']}/goals")
    page.locator(f"#goal-{goal['id']}").get_by_role("button", name="Delete goal").click()
    page.locator("#confirm-ok").click()
    page.locator(f"#goal-{goal['id']}").wait_for(state="detached")
    assert api.get(f"/api/v1/goals/{goal['id']}").status_code == 404
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["goal_id"] is None
    page.locator(".toast", has_text="Deleted “Launch”").get_by_role("button", name="Undo").click()
    page.locator(f"#goal-{goal['id']}").wait_for()
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["goal_id"] == goal["id"]
    assert api.get(f"/api/v1/projects/{project['id']}/trash").json()["items"] == []
    assert not page.log.errors


def test_the_trash_page_follows_deletes_and_restores_made_elsewhere(page, api):
    project = make_project(api, "Live trash")
    first = make_task(api, project["id"], "Write the changelog")
    page.goto(f"/projects/{project['id']}/trash")
    page.locator(".empty-state", has_text="The trash is empty").wait_for()
    page.locator("#live[data-state='live']").wait_for()
    trash_id = api.delete(f"/api/v1/tasks/{first['id']}").headers["x-trash-item"]
    row = page.locator(f".trash-row[data-trash='{trash_id}']")
    row.wait_for()  # no reload: the live event brought it
    page.locator('[data-trash-action="empty"]').wait_for()
    assert api.post(f"/api/v1/trash/{trash_id}/restore").status_code == 200
    row.wait_for(state="detached")
    assert page.locator('[data-trash-action="empty"]').count() == 0
    assert not page.log.errors
