"""The board in Chromium when the workspace refuses moving blocked tasks (Settings → Tasks): no question is
asked, the core's refusal is shown, and the card stays where it was. Its own module: the rule is workspace-wide."""

from __future__ import annotations

import pytest
from web_support import drag, link, make_project, make_task, shot

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def test_a_refused_drag_of_a_blocked_task_says_why_and_puts_the_card_back(page, api):
    r = api.put("/api/v1/settings/tasks", json={"refuse_blocked_moves": True})
    assert r.status_code == 200, r.text
    project = make_project(api, "Refused")
    first = make_task(api, project["id"], "Design the schema")
    second = make_task(api, project["id"], "Ship the migration")
    link(api, project["id"], first["id"], second["id"])
    page.goto(f"/projects/{project['id']}/board")
    card = page.locator('.cards[data-status="todo"] .card', has_text="Ship the migration")
    drag(page, card, page.locator('.column[data-status="done"]'))
    toast = page.locator(".toast-error", has_text="Design the schema")
    toast.wait_for()
    assert "not moved" in toast.inner_text()
    assert "changed this task meanwhile" not in toast.inner_text()
    assert page.locator("#confirm[open]").count() == 0  # the workspace decides: nothing to confirm
    page.locator('.cards[data-status="todo"] .card', has_text="Ship the migration").wait_for()
    assert api.get(f"/api/v1/tasks/{second['id']}").json()["status"] == "todo"
    assert not page.log.errors


def test_the_settings_page_shows_the_rule_and_is_reachable_from_the_navigation(page, api):
    assert api.put("/api/v1/settings/tasks", json={"refuse_blocked_moves": True}).status_code == 200
    page.goto("/settings/mcp")
    page.locator(".nav-settings").get_by_role("link", name="Tasks").click()
    page.wait_for_url("**/settings/tasks")
    assert page.locator('input[name="refuse_blocked_moves"]').is_checked()
    assert page.locator(".nav-settings").get_by_role("link", name="OAuth apps").count() == 1
    shot(page, "settings-tasks")
    assert not page.log.errors
