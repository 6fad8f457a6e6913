// The canvas's link geometry: routed links stay in the gaps between columns; labels sit there too.
import assert from "node:assert/strict";
import { test } from "node:test";

import { edgePath, labelBox, routePath } from "../../src/plandesk/web/static/flow_draw.js";

const W = 220;
const H = 72;

test("a routed link starts at the source's right side and ends at the target's left side", () => {
  const { d } = routePath({ x: 0, y: 0 }, { x: 660, y: 0 }, [[330, 134]], W, H);
  assert.match(d, /^M220 36 /);
  assert.match(d, / 658 36$/);
});

test("a routed link crosses a waypoint's column horizontally", () => {
  const { d } = routePath({ x: 0, y: 0 }, { x: 660, y: 0 }, [[330, 134]], W, H);
  assert.match(d, /L550 134/);
});

test("a routed link's label sits in the first gap between columns", () => {
  const { mx } = routePath({ x: 0, y: 0 }, { x: 660, y: 98 }, [[330, 134]], W, H);
  assert.ok(mx > W && mx < 330, `label at x=${mx}`);
});

test("a link to a node on the right leaves from the side, not the top", () => {
  const { d } = edgePath({ x: 0, y: 0 }, { x: 400, y: 0 }, W, H);
  assert.match(d, /^M220 36 /);
});

test("a label box is centred on its point", () => {
  const box = labelBox("blocks", 100, 50);
  assert.equal(box.x + box.width / 2, 100);
  assert.equal(box.y + box.height / 2, 50);
});
