// The flow canvas's camera: pan, zoom (wheel, buttons, pinch) and fit, as one translate-and-scale.
// fitTransform is pure (unit-tested under Node); createView binds it to the SVG.

export const MIN_K = 0.2;
export const MAX_K = 2.5;
const READABLE_K = 0.45; // below this, labels are unreadable: a big plan starts at its first layer instead

// The view {x, y, k} that shows `nodes` (each W × H) in a width × height box.
export function fitTransform(nodes, W, H, width, height, pad = 48) {
  if (!nodes.length) return { x: 40, y: 40, k: 1 };
  const xs = nodes.map((n) => n.x);
  const ys = nodes.map((n) => n.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const spanX = Math.max(...xs) + W - minX;
  const spanY = Math.max(...ys) + H - minY;
  const k = Math.min(1.15, (width - pad * 2) / spanX, (height - pad * 2) / spanY);
  if (k >= READABLE_K) {
    return { k, x: (width - spanX * k) / 2 - minX * k, y: Math.max(pad, (height - spanY * k) / 2) - minY * k };
  }
  // Too big to fit readably (a phone, a large plan): the first layer, labels legible; pan from there.
  return {
    k: READABLE_K,
    x: 16 - minX * READABLE_K,
    y: Math.max(16, (height - spanY * READABLE_K) / 2) - minY * READABLE_K,
  };
}

export function createView(svg, viewport) {
  const view = { x: 0, y: 0, k: 1 };
  const touches = new Map(); // pointerId -> {x, y}: two of them make a pinch

  function apply() {
    viewport.setAttribute("transform", `translate(${view.x} ${view.y}) scale(${view.k})`);
  }

  function toWorld(clientX, clientY) {
    const r = svg.getBoundingClientRect();
    return { x: (clientX - r.left - view.x) / view.k, y: (clientY - r.top - view.y) / view.k };
  }

  // Scale by `factor` around the screen point (cx, cy) (the centre when not given): that point stays put.
  function zoom(factor, cx, cy) {
    const r = svg.getBoundingClientRect();
    const px = cx ?? r.left + r.width / 2;
    const py = cy ?? r.top + r.height / 2;
    const world = toWorld(px, py);
    view.k = Math.max(MIN_K, Math.min(MAX_K, view.k * factor));
    view.x = px - r.left - world.x * view.k;
    view.y = py - r.top - world.y * view.k;
    apply();
  }

  function fit(nodes, W, H) {
    const r = svg.getBoundingClientRect();
    Object.assign(view, fitTransform(nodes, W, H, r.width, r.height));
    apply();
  }

  function pinchState() {
    const [p, q] = [...touches.values()];
    return { mx: (p.x + q.x) / 2, my: (p.y + q.y) / 2, dist: Math.max(10, Math.hypot(p.x - q.x, p.y - q.y)) };
  }

  // Touch bookkeeping: returns a pinch gesture when a second finger lands, else null.
  function touchDown(event) {
    touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (touches.size !== 2) return null;
    const start = pinchState();
    return { kind: "pinch", start, k: view.k, world: toWorld(start.mx, start.my) };
  }

  function touchMove(event) {
    if (touches.has(event.pointerId)) touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
  }

  // Both fingers: the distance sets the scale, the midpoint keeps the world point under it.
  function pinch(gesture) {
    if (touches.size < 2) return;
    const now = pinchState();
    const r = svg.getBoundingClientRect();
    view.k = Math.max(MIN_K, Math.min(MAX_K, (gesture.k * now.dist) / gesture.start.dist));
    view.x = now.mx - r.left - gesture.world.x * view.k;
    view.y = now.my - r.top - gesture.world.y * view.k;
    apply();
  }

  function touchUp(event) {
    touches.delete(event.pointerId);
    return touches.size;
  }

  return { view, apply, toWorld, zoom, fit, touchDown, touchMove, pinch, touchUp, touches };
}
