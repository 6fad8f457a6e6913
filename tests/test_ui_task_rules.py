"""The board in Chromium when the workspace refuses moving blocked tasks (Settings → Tasks): no question is
asked, the core's refusal is shown, and the card stays where it was. Its own module: the rule is workspace-wide."""

from __future__ import annotations

import pytest
from test_ui_support import (  # noqa: F401
    api_fixture,
    browser_fixture,
    drag,
    link,
    make_project,
    make_task,
    page_fixture,
    server_fixture,
)

pytestmark = pytest.mark.browser


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
    assert "not moved" in toast.inner_text() and "changed this task meanwhile" not in toast.inner_text()
    assert page.locator("#confirm[open]").count() == 0  # the workspace decides: nothing to confirm
    page.locator('.cards[data-status="todo"] .card', has_text="Ship the migration").wait_for()
    assert api.get(f"/api/v1/tasks/{second['id']}").json()["status"] == "todo"
    assert not page.errors
