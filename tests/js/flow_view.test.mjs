// Fitting the canvas: a small plan is centred and scaled to fit; a big one starts readable at its left.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fitTransform } from "../../src/plandesk/web/static/flow_view.js";

const W = 220;
const H = 72;

test("an empty canvas shows the origin at full size", () => {
  assert.deepEqual(fitTransform([], W, H, 800, 600), { x: 40, y: 40, k: 1 });
});

test("a small plan is scaled to fit inside the padding", () => {
  const nodes = [{ x: 0, y: 0 }, { x: 990, y: 300 }];
  const { k, x } = fitTransform(nodes, W, H, 1000, 700);
  assert.ok((990 + W) * k <= 1000 - 96 + 1e-9, `scale ${k}`);
  assert.ok(x >= 48 - 1e-9);
});

test("a plan too big to read when fitted starts at a readable scale", () => {
  const nodes = Array.from({ length: 30 }, (_, i) => ({ x: i * 330, y: (i % 5) * 98 }));
  assert.equal(fitTransform(nodes, W, H, 390, 700).k, 0.45);
});
