// The per-task write queue: quick edits wait for each other and carry the version the last one returned.
import assert from "node:assert/strict";
import { test } from "node:test";

import { conflictRows, createEditQueue } from "../../src/plandesk/web/static/edit_queue.js";

// A fake server with compare-and-set on version, answering after a tick (as a network would).
function server(start = 1) {
  const task = { id: "t1", version: start, assignee: null, due_date: null };
  const seen = [];
  const send = async (id, body) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    seen.push(body.version);
    if (body.version !== task.version) throw Object.assign(new Error("conflict"), { status: 409 });
    const { version, ...fields } = body;
    Object.assign(task, fields, { version: task.version + 1 });
    return { ...task };
  };
  return { task, seen, send };
}

test("ten quick edits all land with consecutive versions", async () => {
  const s = server();
  const queue = createEditQueue(s.send);
  const writes = [];
  for (let i = 0; i < 10; i++) writes.push(queue.enqueue("t1", { assignee: `p${i}` }, 1));
  await Promise.all(writes);
  assert.deepEqual(s.seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(s.task.assignee, "p9");
});

test("an edit sent while another is in flight waits for its answer", async () => {
  const s = server();
  const queue = createEditQueue(s.send);
  const first = queue.enqueue("t1", { assignee: "a" }, 1);
  assert.equal(queue.pending("t1"), 1);
  const second = queue.enqueue("t1", { due_date: "2027-01-01" }, 1);
  assert.equal(queue.pending("t1"), 2);
  await Promise.all([first, second]);
  assert.equal(queue.pending("t1"), 0);
});

test("a change made by someone else is still a conflict", async () => {
  const s = server();
  const queue = createEditQueue(s.send);
  await queue.enqueue("t1", { assignee: "mine" }, 1);
  s.task.version += 1; // another client wrote meanwhile
  await assert.rejects(queue.enqueue("t1", { assignee: "again" }, 1), { status: 409 });
});

test("a failed edit does not stop the ones queued after it", async () => {
  const s = server(5);
  const queue = createEditQueue(s.send);
  const stale = queue.enqueue("t1", { assignee: "x" }, 1);
  const fresh = queue.enqueue("t1", { assignee: "y" }, 5);
  await assert.rejects(stale, { status: 409 });
  assert.equal((await fresh).assignee, "y");
});

test("conflict rows list only the fields whose values differ", () => {
  const rows = conflictRows({ assignee: "bob", priority: "high", version: 3 }, { assignee: "carol", priority: "high" });
  assert.deepEqual(rows, [{ field: "assignee", mine: "bob", theirs: "carol" }]);
});
