"""The board in Chromium: create in the UI, drag to change status, live changes from agents, drawer, filters."""

from __future__ import annotations

import time

import pytest
from web_support import drag, make_task, mcp_call, mint_token, mobile_page, new_page, shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


def card_in(page, status: str, label: str):
    return page.locator(f'.cards[data-status="{status}"] .card', has_text=label)


def test_a_person_creates_a_project_and_tasks_in_the_ui(page, api):
    page.goto("/")
    page.get_by_role("button", name="New project").first.click()
    page.get_by_label("Name").fill("Launch plan")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/projects/*/board")
    project_id = page.url.split("/projects/")[1].split("/")[0]
    page.get_by_role("button", name="New task").first.click()
    for label in ("Write the announcement", "Record the demo"):
        page.get_by_placeholder("Task title").fill(label)
        page.keyboard.press("Enter")
        card_in(page, "todo", label).wait_for()
    listed = api.get(f"/api/v1/projects/{project_id}/tasks").json()["items"]
    assert sorted(t["label"] for t in listed) == ["Record the demo", "Write the announcement"]
    assert all(t["status"] == "todo" for t in listed)
    assert page.locator('[data-count="todo"]').inner_text() == "2"
    assert not page.log.errors
    assert not page.log.csp_violations()


def test_dragging_a_card_from_todo_to_in_progress_is_saved(page, api, project):
    task = make_task(api, project["id"], "Wire payment intents", priority="high", tags=["backend"])
    page.goto(f"/projects/{project['id']}/board")
    card = card_in(page, "todo", "Wire payment intents")
    drag(page, card, page.locator('.column[data-status="in_progress"]'))
    card_in(page, "in_progress", "Wire payment intents").wait_for()
    page.get_by_text("Moved to In Progress").wait_for()
    stored = wait_for(
        lambda: (t := api.get(f"/api/v1/tasks/{task['id']}").json())["status"] == "in_progress" and t,
        what="the status change to reach the database",
    )
    assert stored["version"] == task["version"] + 1
    page.reload()
    card_in(page, "in_progress", "Wire payment intents").wait_for()
    assert card_in(page, "todo", "Wire payment intents").count() == 0


def test_a_refused_move_puts_the_card_back_and_says_why(page, api, project):
    task = make_task(api, project["id"], "Contested")
    # No live stream for this tab (as when the network drops it), so the page keeps a stale version.
    page.route("**/projects/*/events", lambda route: route.abort())
    page.goto(f"/projects/{project['id']}/board")
    card_in(page, "todo", "Contested").wait_for()
    # Someone else changes the task after the page loaded: the page's version is now stale.
    r = api.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"label": "Contested", "priority": "low", "version": task["version"]},
    )
    assert r.status_code == 200
    drag(page, card_in(page, "todo", "Contested"), page.locator('.column[data-status="done"]'))
    page.locator(".toast-error", has_text="changed this task meanwhile").wait_for()
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["status"] == "todo"
    card_in(page, "todo", "Contested").wait_for()


def test_an_agents_mcp_update_shows_on_the_open_board_within_a_second(page, api, project, server):
    task = make_task(api, project["id"], "Build address autocomplete", tags=["frontend"], priority="high")
    design = make_task(
        api, project["id"], "Design one-page checkout", status="done", tags=["design"], assignee="ana"
    )
    payments = make_task(api, project["id"], "Wire payment intents", tags=["backend"], priority="urgent")
    migration = make_task(
        api, project["id"], "Write the saved-cards migration", tags=["backend"], priority="low"
    )
    make_task(api, project["id"], "Load-test the checkout API", status="scope", tags=["qa"], assignee="mo")
    make_task(api, project["id"], "A/B rollout plan", status="scope", priority="medium")
    make_task(api, project["id"], "Remove the legacy coupon path", status="backlog")
    make_task(api, project["id"], "Audit the current funnel", status="done", priority="high", assignee="ana")
    for a, b in ((design, task), (payments, migration)):
        api.post(
            f"/api/v1/projects/{project['id']}/edges",
            json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
        )
    token = mint_token(api, "board watcher agent")
    page.goto(f"/projects/{project['id']}/board")
    card_in(page, "todo", "Build address autocomplete").wait_for()
    page.locator('#live[data-state="live"]').wait_for()
    mcp_call(
        server.mcp_url,
        token,
        "update_task",
        {"task_id": task["id"], "status": "in_progress", "assignee": "claude", "version": task["version"]},
    )
    answered = time.monotonic()
    page.locator('.cards[data-status="in_progress"] .card', has_text="Build address autocomplete").wait_for(
        timeout=1000
    )
    elapsed = time.monotonic() - answered
    assert elapsed < 1.0, f"the card moved {elapsed:.2f} s after the MCP call returned"
    assert "claude" in card_in(page, "in_progress", "Build address autocomplete").inner_text()
    shot(page, "board")


def test_blocked_cards_say_what_they_wait_on_and_clear_when_it_is_done(page, api, project):
    first = make_task(api, project["id"], "Decide payment provider")
    second = make_task(api, project["id"], "Integrate the provider SDK")
    assert (
        api.post(
            f"/api/v1/projects/{project['id']}/edges",
            json={"from_id": first["id"], "to_id": second["id"], "label": "blocks"},
        ).status_code
        == 201
    )
    page.goto(f"/projects/{project['id']}/board")
    blocked = card_in(page, "todo", "Integrate the provider SDK")
    assert "Waits on Decide payment provider" in blocked.locator(".waits").inner_text()
    page.locator('#live[data-state="live"]').wait_for()  # listening before the change it must hear of
    api.patch(f"/api/v1/tasks/{first['id']}", json={"status": "done", "version": first["version"]})
    wait_for(lambda: blocked.locator(".waits").count() == 0, what="the blocked marker to clear live")


def test_the_drawer_edits_fields_and_shows_markdown_comments_and_history(page, api, project):
    task = make_task(
        api, project["id"], "Localise error messages", description="## Scope\n\n- **cards**\n- addresses"
    )
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    drawer = page.locator("#drawer")
    assert drawer.locator("#desc-view h2").inner_text() == "Scope"
    assert drawer.locator("#desc-view strong").inner_text() == "cards"
    drawer.locator("#f-priority").select_option("urgent")
    wait_for(
        lambda: api.get(f"/api/v1/tasks/{task['id']}").json()["priority"] == "urgent", what="priority saved"
    )
    drawer.locator("#f-assignee").fill("mo")
    drawer.locator("#f-assignee").press("Tab")
    wait_for(lambda: api.get(f"/api/v1/tasks/{task['id']}").json()["assignee"] == "mo", what="assignee saved")
    drawer.get_by_role("button", name="Edit").click()
    drawer.locator("#desc-input").fill("Now *rewritten*.")
    drawer.get_by_role("tab", name="Preview").click()
    drawer.locator("#desc-preview em", has_text="rewritten").wait_for()
    drawer.get_by_role("button", name="Save", exact=True).click()
    drawer.locator("#desc-view em", has_text="rewritten").wait_for()
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["description"] == "Now *rewritten*."
    drawer.locator("#comment-body").fill("Check the **copy** with legal")
    drawer.get_by_role("button", name="Comment", exact=True).click()
    drawer.locator(".comment strong", has_text="copy").wait_for()
    comments = api.get(f"/api/v1/tasks/{task['id']}/comments").json()["items"]
    assert [c["body"] for c in comments] == ["Check the **copy** with legal"]
    assert drawer.locator(".revision").count() >= 3  # priority, assignee, description
    page.keyboard.press("Escape")
    wait_for(lambda: drawer.is_hidden(), what="the drawer to close on Escape")
    assert "task=" not in page.url


def test_restoring_a_revision_from_the_drawer_brings_the_old_value_back(page, api, project):
    task = make_task(api, project["id"], "Original title")
    api.patch(f"/api/v1/tasks/{task['id']}", json={"label": "Renamed title", "version": task["version"]})
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    page.locator(".revision summary").first.click()
    page.get_by_role("button", name="Restore this version").first.click()
    page.locator("#confirm").get_by_role("button", name="Restore").click()
    wait_for(
        lambda: api.get(f"/api/v1/tasks/{task['id']}").json()["label"] == "Original title",
        what="the restored label",
    )
    page.locator("#f-label").filter(has_text="Original title").wait_for()


def test_tag_and_assignee_filters_narrow_the_board_and_stay_in_the_url(page, api, project):
    make_task(api, project["id"], "Frontend one", tags=["frontend"], assignee="ana")
    make_task(api, project["id"], "Backend one", tags=["backend"], assignee="mo")
    make_task(api, project["id"], "Unassigned backend", tags=["backend"])
    page.goto(f"/projects/{project['id']}/board")
    page.locator('.chip[data-tag="backend"]').click()
    visible = lambda: sorted(page.locator(".card:visible .card-title").all_inner_texts())
    assert visible() == ["Backend one", "Unassigned backend"]
    assert "tag=backend" in page.url
    page.locator("#assignee-filter").select_option("mo")
    assert visible() == ["Backend one"]
    page.reload()
    assert visible() == ["Backend one"]
    page.get_by_role("button", name="Clear filters").click()
    assert len(visible()) == 3


def test_keyboard_moves_a_card_between_columns(page, api, project):
    task = make_task(api, project["id"], "Keyboard only")
    page.goto(f"/projects/{project['id']}/board")
    card_in(page, "todo", "Keyboard only").locator(".card-link").focus()
    page.keyboard.press("Shift+ArrowRight")
    card_in(page, "in_progress", "Keyboard only").wait_for()
    wait_for(
        lambda: api.get(f"/api/v1/tasks/{task['id']}").json()["status"] == "in_progress",
        what="the keyboard move saved",
    )
    focused = lambda: page.evaluate("document.activeElement?.closest('.card')?.dataset.id")
    wait_for(lambda: focused() == task["id"], what="focus to follow the moved card")


def test_the_command_palette_finds_a_task_and_opens_it(page, api, project):
    task = make_task(api, project["id"], "Quarterly zeppelin inspection")
    page.goto(f"/projects/{project['id']}/board")
    page.keyboard.press("Control+k")
    page.locator("#palette-input").fill("zeppelin")
    page.locator(".palette-item", has_text="Quarterly zeppelin inspection").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**task={task['id']}")
    page.locator("#drawer #f-label").wait_for()
    assert page.locator("#f-label").input_value() == "Quarterly zeppelin inspection"


def test_the_board_works_at_390_px_in_dark_mode(browser, server, api, project):
    for status in ("scope", "todo", "in_progress"):
        make_task(api, project["id"], f"A {status} task on a phone", status=status)
    context, phone = mobile_page(browser, server, dark=True)
    try:
        phone.goto(f"/projects/{project['id']}/board")
        card_in(phone, "todo", "A todo task on a phone").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.locator("#sidebar").evaluate("el => el.getBoundingClientRect().right") <= 0
        phone.get_by_role("button", name="Open navigation").click()
        phone.locator("#sidebar").get_by_role("link", name="List").wait_for()
        wait_for(
            lambda: phone.locator("#sidebar").evaluate("el => el.getBoundingClientRect().left") >= 0,
            what="the navigation to slide in",
        )
        assert phone.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(248, 248, 250)"
        phone.keyboard.press("Escape")
        wait_for(
            lambda: phone.locator("#sidebar").evaluate("el => el.getBoundingClientRect().right") <= 0,
            what="the navigation to close on Escape",
        )
        shot(phone, "board-390-dark")
    finally:
        context.close()


def test_the_open_board_catches_up_after_the_server_restarts(browser, serve):
    first = serve("process")
    c = first.client()
    project = c.post("/api/v1/projects", json={"name": "Restart"}).json()
    task = make_task(c, project["id"], "Survives a restart")
    tab = new_page(browser, first)
    tab.goto(f"/projects/{project['id']}/board")
    tab.locator('#live[data-state="live"]').wait_for()
    first.stop()
    tab.locator('#live[data-state="reconnecting"]').wait_for()
    second = serve("process", first.workspace, port=first.port)
    tab.locator('#live[data-state="live"]').wait_for(timeout=30_000)
    second.client().patch(f"/api/v1/tasks/{task['id']}", json={"status": "done", "version": task["version"]})
    card_in(tab, "done", "Survives a restart").wait_for(timeout=5000)
