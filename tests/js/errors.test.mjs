// How API errors are worded for people: fields under the UI's names, internal names left out.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, describe } from "../../src/plandesk/web/static/errors.js";

test("a known field is named as the UI names it", () => {
  assert.equal(describe(new ApiError(400, { message: "must be a date", field: "due_date" })), "Due date: must be a date");
});

test("an internal field name is not shown", () => {
  const err = new ApiError(409, { message: "this link would close a cycle: A → B → A", field: "to_id" });
  assert.equal(describe(err), "this link would close a cycle: A → B → A");
});

test("an error without a body says which status came back", () => {
  assert.equal(describe(new ApiError(502, null)), "The server answered 502");
});

test("a plain error gives its message", () => {
  assert.equal(describe(new Error("boom")), "boom");
});
