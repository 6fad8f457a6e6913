// Drawing the flow canvas: SVG elements for a task node and the path of a link between two nodes.

const NS = "http://www.w3.org/2000/svg";
const STATUS = { scope: "Scope", todo: "Todo", in_progress: "In Progress", done: "Done", backlog: "Backlog" };
// Pure geometry below (routePath, edgePath, labelBox) runs under Node's unit tests; only el() needs a DOM.

export function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function lines(label, width = 27) {
  const words = label.split(/\s+/);
  const out = [""];
  for (const word of words) {
    const line = out[out.length - 1];
    if ((line + " " + word).trim().length <= width) out[out.length - 1] = (line + " " + word).trim();
    else if (out.length < 2) out.push(word.slice(0, width));
    else {
      out[1] = (out[1] + " " + word).slice(0, width - 1) + "…";
      break;
    }
  }
  if (out[0].length > width) out[0] = out[0].slice(0, width - 1) + "…";
  return out;
}

// A node: its box, a status bar, up to two lines of label, status and short id, and the link handle.
export function nodeElement(n, W, H, canWrite) {
  const g = el("g", {
    class: `node node-${n.status}${n.waiting ? " is-blocked" : ""}`,
    transform: `translate(${n.x} ${n.y})`,
    tabindex: "0",
    role: "button",
    "data-id": n.id,
    "aria-label": `${n.label}. ${STATUS[n.status]}${n.waiting ? `, waits on ${n.waiting}` : ""}`,
  });
  g.append(el("rect", { class: "node-box", width: W, height: H, rx: 9 }));
  g.append(el("rect", { class: "node-status", x: 0, y: 10, width: 3, height: H - 20, rx: 1.5 }));
  const label = lines(n.label);
  label.forEach((line, i) => g.append(el("text", { class: "node-label", x: 16, y: 26 + i * 18 }, line)));
  g.append(
    el(
      "text",
      { class: "node-meta", x: 16, y: H - 11 },
      STATUS[n.status] + (n.waiting ? ` · waits on ${n.waiting}` : ""),
    ),
  );
  g.append(el("text", { class: "node-key", x: W - 12, y: H - 11, "text-anchor": "end" }, n.id.slice(0, 8)));
  g.append(el("title", {}, n.label));
  if (canWrite) g.append(el("circle", { class: "handle", cx: W, cy: H / 2, r: 6, "data-handle": n.id }));
  return g;
}

function curve(p, q) {
  const dx = (q.x - p.x) / 2;
  return `C${p.x + dx} ${p.y} ${q.x - dx} ${q.y} ${q.x} ${q.y}`;
}

// A link routed by the layered layout: from the right side of `a` through each waypoint (an empty row slot
// of a column, crossed horizontally) to the left side of `b`. Curves only run in the gaps between columns,
// so the link never crosses a task; its label sits in the first gap, the middle of the first curve.
export function routePath(a, b, route, W, H) {
  let p = { x: a.x + W, y: a.y + H / 2 };
  let d = `M${p.x} ${p.y}`;
  let label = null;
  for (const [wx, wy] of route) {
    const q = { x: wx, y: wy };
    d += ` ${curve(p, q)}`;
    label ??= { mx: (p.x + q.x) / 2, my: (p.y + q.y) / 2 };
    p = { x: wx + W, y: wy };
    d += ` L${p.x} ${p.y}`;
  }
  const t = { x: b.x - 2, y: b.y + H / 2 };
  d += ` ${curve(p, t)}`;
  label ??= { mx: (p.x + t.x) / 2, my: (p.y + t.y) / 2 };
  return { d, ...label };
}

// The path of a link: side to side when the nodes stand in different columns (leftwards too), top to
// bottom when one stands above the other, so that no arrow loops back through its own node.
export function edgePath(a, b, W, H) {
  const gap = 16;
  let sx, sy, tx, ty, c1x, c1y, c2x, c2y;
  if (b.x >= a.x + W + gap || b.x + W + gap <= a.x) {
    const forward = b.x >= a.x + W + gap;
    sx = forward ? a.x + W : a.x;
    sy = a.y + H / 2;
    tx = forward ? b.x - 2 : b.x + W + 2;
    ty = b.y + H / 2;
    const dx = Math.max(40, Math.abs(tx - sx) / 2) * (forward ? 1 : -1);
    c1x = sx + dx;
    c1y = sy;
    c2x = tx - dx;
    c2y = ty;
  } else {
    const down = b.y >= a.y;
    sx = a.x + W / 2;
    sy = down ? a.y + H : a.y;
    tx = b.x + W / 2;
    ty = down ? b.y - 2 : b.y + H + 2;
    const dy = Math.max(30, Math.abs(ty - sy) / 2) * (down ? 1 : -1);
    c1x = sx;
    c1y = sy + dy;
    c2x = tx;
    c2y = ty - dy;
  }
  return {
    d: `M${sx} ${sy} C${c1x} ${c1y} ${c2x} ${c2y} ${tx} ${ty}`,
    mx: (sx + 3 * c1x + 3 * c2x + tx) / 8,
    my: (sy + 3 * c1y + 3 * c2y + ty) / 8,
  };
}

// The box of a link's label pill centred on (mx, my), sized from its text.
export function labelBox(text, mx, my) {
  const width = text.length * 6.8 + 12;
  return { x: mx - width / 2, y: my - 9, width, height: 18 };
}
