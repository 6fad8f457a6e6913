"""Drawer edits in Chromium: a person's quick edits queue per task and all land; a real conflict keeps
both values on screen until the person chooses."""

from __future__ import annotations

import pytest
from web_support import make_project, make_task, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port

# Ten edits across three fields, dispatched 10 ms apart as real change events on the drawer's inputs.
EDITS = [
    ("f-assignee", "ana"),
    ("f-due", "2027-01-05"),
    ("f-priority", "low"),
    ("f-assignee", "bo"),
    ("f-due", "2027-02-10"),
    ("f-priority", "high"),
    ("f-assignee", "cy"),
    ("f-due", "2027-03-15"),
    ("f-priority", "medium"),
    ("f-assignee", "dee"),
]
RAPID_EDITS_JS = """async (edits) => {
  for (const [id, value] of edits) {
    const el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
    await new Promise((r) => setTimeout(r, 10));
  }
}"""


def test_ten_edits_ten_ms_apart_in_the_drawer_all_land(page, api):
    project = make_project(api, "Rapid edits")
    task = make_task(api, project["id"], "Quick edits")
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    page.locator("#drawer-inner").wait_for()
    page.evaluate(RAPID_EDITS_JS, EDITS)
    stored = wait_for(
        lambda: (t := api.get(f"/api/v1/tasks/{task['id']}").json())["version"] == task["version"] + 10 and t,
        what="ten versions to land",
    )
    assert (stored["assignee"], stored["due_date"], stored["priority"]) == ("dee", "2027-03-15", "medium")
    assert page.locator("#conflict").count() == 0
    assert page.get_by_text("changed elsewhere").count() == 0
    assert not page.log.errors


def test_a_conflict_from_another_client_shows_both_values_and_loses_nothing(page, api):
    project = make_project(api, "Conflicts")
    task = make_task(api, project["id"], "Contested task")
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    field = page.locator("#f-assignee")
    field.fill("mine-bob")
    other = api.patch(
        f"/api/v1/tasks/{task['id']}", json={"assignee": "theirs-carol", "version": task["version"]}
    )
    assert other.status_code == 200, other.text
    page.get_by_text("Changed elsewhere").wait_for()
    field.press("Enter")
    field.blur()
    panel = page.locator("#conflict")
    panel.wait_for()
    assert "mine-bob" in panel.inner_text()
    assert "theirs-carol" in panel.inner_text()
    assert field.input_value() == "mine-bob"
    panel.get_by_role("button", name="Keep mine").click()
    wait_for(
        lambda: api.get(f"/api/v1/tasks/{task['id']}").json()["assignee"] == "mine-bob",
        what="the kept value to be saved",
    )
    assert not page.log.errors
