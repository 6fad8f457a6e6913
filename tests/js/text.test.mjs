// Unit tests for the DOM-free text helpers the pages share (run with `node --test tests/js/`).
import assert from "node:assert/strict";
import { test } from "node:test";

import { nextDelay, plainText, relativeTime, shownValue, stripMarks } from "../../src/plandesk/web/static/text.js";

const NOW = Date.parse("2026-12-04T12:00:00Z");

test("a time under 45 seconds ago reads just now", () => {
  assert.equal(relativeTime("2026-12-04T11:59:30Z", NOW), "just now");
});

test("a time three hours ago reads 3h ago", () => {
  assert.equal(relativeTime("2026-12-04T09:00:00Z", NOW), "3h ago");
});

test("a time two days ago reads 2d ago", () => {
  assert.equal(relativeTime("2026-12-02T11:00:00Z", NOW), "2d ago");
});

test("a value that is not a time gives null", () => {
  assert.equal(relativeTime("yesterday-ish", NOW), null);
});

test("plain text drops emphasis, headings, code marks and link targets", () => {
  assert.equal(plainText("# Plan\n\n**Status:** draft, see [the spec](http://x/y) and `code`"), "Plan Status: draft, see the spec and code");
});

test("a search excerpt keeps its match brackets but loses bold marks", () => {
  assert.equal(stripMarks("**Status:** [draft]"), "Status: [draft]");
});

test("reconnect pauses grow from 250 ms and stop at 2 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9].map(nextDelay), [250, 500, 1000, 2000, 2000, 2000]);
});

test("a status is shown under the name the board uses", () => {
  assert.equal(shownValue("status", "in_progress"), "In Progress");
});

test("an empty value is shown as a dash", () => {
  assert.equal(shownValue("assignee", null), "—");
});
