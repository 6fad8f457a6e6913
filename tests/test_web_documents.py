"""Documents and notes in Chromium: agent-written HTML runs nothing, editing with preview, history and restore."""

from __future__ import annotations

import pytest
from web_support import mcp_call, mint_token, shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port
HOSTILE = """Status: Ready to implement

# Checkout flow

One page: **address**, payment, review.

<img src=x onerror="window.__pwned = 'img'; alert('img')">
<script>window.__pwned = 'script'; alert('script')</script>
<a href="javascript:window.__pwned='link'">a javascript: link</a>
<iframe src="javascript:alert('frame')"></iframe>
<p onmouseover="window.__pwned='hover'">hover me</p>

| Step | Owner |
|------|-------|
| Address | mo |
"""


def test_an_agents_document_with_script_and_onerror_runs_neither(page, server, api, project):
    token = mint_token(api, "doc-writing agent")
    made = mcp_call(
        server.mcp_url,
        token,
        "create_document",
        {
            "project_id": project["id"],
            "title": "Design: one-page checkout",
            "body": HOSTILE,
            "status_line": "Ready to implement",
        },
    )
    doc_id = (made.get("document") or made)["id"]
    page.add_init_script("window.__pwned = undefined;")
    page.goto(f"/projects/{project['id']}/documents/{doc_id}")
    body = page.locator("#doc-body")
    body.locator("table").wait_for()
    body.get_by_text("hover me").hover()
    body.get_by_text("a javascript: link").click()
    assert page.evaluate("window.__pwned") is None
    assert page.log.dialogs == []
    assert body.locator("script, iframe").count() == 0
    html = body.inner_html().lower()
    for bad in ("onerror", "onmouseover", "javascript:"):
        assert bad not in html.replace("a javascript: link", ""), bad
    assert body.locator("h1").inner_text() == "Checkout flow"
    assert page.log.errors == []
    shot(page, "document")


def test_the_editor_preview_is_sanitised_too(page, api, project):
    doc = api.post(
        f"/api/v1/projects/{project['id']}/documents", json={"title": "Scratch", "body": "start"}
    ).json()
    page.add_init_script("window.__pwned = undefined;")
    page.goto(f"/projects/{project['id']}/documents/{doc['id']}")
    page.get_by_role("button", name="Edit").click()
    page.locator("#doc-source").fill(
        "## Preview\n\n<img src=x onerror=\"window.__pwned='preview'\"><script>window.__pwned='s'</script>"
    )
    page.locator("#doc-preview h2", has_text="Preview").wait_for()
    assert page.locator("#doc-preview img").count() == 1
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#doc-preview script").count() == 0


def test_editing_a_document_saves_it_and_history_shows_the_diff_and_restores(page, api, project):
    doc = api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={"title": "Decision: payment provider", "body": "We pick Adyen.\n\nBecause of fees."},
    ).json()
    page.goto(f"/projects/{project['id']}/documents/{doc['id']}")
    page.get_by_role("button", name="Edit").click()
    page.locator("#doc-source").fill("We pick Stripe.\n\nBecause of fees.")
    page.locator("#doc-preview", has_text="We pick Stripe.").wait_for()
    page.keyboard.press("Control+s")
    page.locator("#doc-body", has_text="We pick Stripe.").wait_for()
    page.get_by_text("Saved").wait_for()
    assert api.get(f"/api/v1/documents/{doc['id']}").json()["body"] == "We pick Stripe.\n\nBecause of fees."
    revision = page.locator(".revision").first
    revision.locator("summary").click()
    assert revision.locator(".diff-del .diff-text").inner_text() == "We pick Adyen."
    assert revision.locator(".diff-ins .diff-text").inner_text() == "We pick Stripe."
    revision.get_by_role("button", name="Restore the version before this change").click()
    page.locator("#confirm").get_by_role("button", name="Restore").click()
    page.locator("#doc-body", has_text="We pick Adyen.").wait_for()
    assert api.get(f"/api/v1/documents/{doc['id']}").json()["body"] == "We pick Adyen.\n\nBecause of fees."


def test_a_new_document_in_a_folder_shows_in_the_tree_with_links_and_backlinks(page, api, project):
    task = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Build the review step"}).json()
    folder = api.post(f"/api/v1/projects/{project['id']}/folders", json={"name": "Specs"}).json()
    spec = api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={"title": "Spec: review step", "folder_id": folder["id"], "link_to": [task["id"]]},
    ).json()
    api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={"title": "Decision: no coupons", "link_to": [spec["id"]]},
    )
    page.goto(f"/projects/{project['id']}/documents")
    page.get_by_role("button", name="New document").first.click()
    page.locator("#prompt-input").fill("Investigation: slow payments")
    page.keyboard.press("Enter")
    page.wait_for_url("**/documents/*")
    page.locator("#doc-source").wait_for()
    assert page.locator("#doc-title").input_value() == "Investigation: slow payments"
    page.goto(f"/projects/{project['id']}/documents/{spec['id']}")
    tree = page.get_by_role("navigation", name="Documents")
    assert tree.locator("summary", has_text="Specs").count() == 1
    assert tree.get_by_role("link", name="Spec: review step").get_attribute("aria-current") == "page"
    assert page.locator(".doc-side").get_by_role("link", name="Build the review step").count() == 1
    assert page.locator(".doc-side").get_by_role("link", name="Decision: no coupons").count() == 1


def test_a_document_changed_by_an_agent_reloads_on_the_open_page(page, api, project):
    doc = api.post(
        f"/api/v1/projects/{project['id']}/documents", json={"title": "Live doc", "body": "v1"}
    ).json()
    page.goto(f"/projects/{project['id']}/documents/{doc['id']}")
    page.locator('#live[data-state="live"]').wait_for()
    api.patch(f"/api/v1/documents/{doc['id']}", json={"body": "v2 from the agent", "version": doc["version"]})
    page.locator("#doc-body", has_text="v2 from the agent").wait_for(timeout=5000)


def test_notes_are_created_edited_and_deleted_with_confirmation(page, api, project):
    page.goto(f"/projects/{project['id']}/notes")
    page.get_by_role("button", name="New note").first.click()
    page.locator("#prompt-input").fill("Standup")
    page.keyboard.press("Enter")
    page.locator("#doc-source").wait_for()
    page.locator("#doc-source").fill("- autocomplete key **pending**")
    page.get_by_role("button", name="Save").click()
    page.locator("#doc-body strong", has_text="pending").wait_for()
    notes = api.get(f"/api/v1/projects/{project['id']}/notes").json()["items"]
    assert [(n["title"]) for n in notes] == ["Standup"]
    page.get_by_role("button", name="Delete note").click()
    page.locator("#confirm").get_by_role("button", name="Delete").click()
    page.wait_for_url(f"**/projects/{project['id']}/notes")
    wait_for(
        lambda: api.get(f"/api/v1/projects/{project['id']}/notes").json()["total"] == 0,
        what="the note deleted",
    )
