"""The activity log in Chromium: entries name the thing, show from → to in the UI's words, and fold
canvas moves into one entry."""

from __future__ import annotations

import pytest
from web_support import make_project, make_task

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def test_activity_shows_the_status_change_from_todo_to_done_with_the_tasks_title(page, api):
    project = make_project(api, "Activity words")
    task = make_task(api, project["id"], "Publish the changelog")
    r = api.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done", "version": task["version"]})
    assert r.status_code == 200, r.text
    page.goto(f"/projects/{project['id']}/activity")
    entry = page.locator(".timeline-item", has_text="status: Todo → Done")
    entry.wait_for()
    assert entry.get_by_role("link", name="Publish the changelog").count() == 1, entry.inner_html()
    assert "status" in entry.inner_text()
    assert not page.log.errors


def test_canvas_moves_fold_into_one_rearranged_entry_without_internal_names(page, api):
    project = make_project(api, "Activity folding")
    placed = [make_task(api, project["id"], f"Placed {i}") for i in range(3)]
    for i, t in enumerate(placed):
        assert (
            api.patch(
                f"/api/v1/tasks/{t['id']}", json={"x": 100 + i, "y": 50, "version": t["version"]}
            ).status_code
            == 200
        )
    page.goto(f"/projects/{project['id']}/activity")
    page.get_by_text("rearranged 3 tasks").wait_for()
    text = page.locator("#activity-list").inner_text()
    assert "changed x, y" not in text
    assert "goal_id" not in text
    assert "commit_refs" not in text


def test_the_audit_row_keeps_the_values_before_and_after(api):
    project = make_project(api, "Audit detail")
    task = make_task(api, project["id"], "Audited", assignee="ana")
    api.patch(f"/api/v1/tasks/{task['id']}", json={"assignee": "bo", "version": task["version"]})
    rows = api.get(f"/api/v1/projects/{project['id']}/audit", params={"action": "task.update"}).json()[
        "items"
    ]
    assert rows[0]["detail"]["changes"]["assignee"] == {"from": "ana", "to": "bo"}
    assert rows[0]["detail"]["label"] == "Audited"
