// The flow canvas: tasks as nodes, links as arrows. Drag to move (saved as x/y), drag a node's dot onto
// another node to link them (refused cycles show the server's reason), pan, zoom, keyboard access.
import { api, describe } from "./api.js";
import { onLive } from "./live.js";
import { confirmAction, debounce, toast } from "./ui.js";
import { edgePath, el, labelBox, nodeElement, routePath } from "./flow_draw.js";
import { createPositions } from "./flow_positions.js";
import { createView } from "./flow_view.js";

const svg = document.getElementById("flow");
const viewport = document.getElementById("viewport");
const edgesLayer = document.getElementById("edges");
const nodesLayer = document.getElementById("nodes");
const rubber = document.getElementById("rubber");
const config = JSON.parse(document.getElementById("flow-config").textContent);
const projectId = document.body.dataset.project;

let data = JSON.parse(document.getElementById("flow-data").textContent);
const W = data.node.w;
const H = data.node.h;
const camera = createView(svg, viewport);
const { view, apply: applyView, toWorld, zoom } = camera;
let byId = new Map();
let selected = null; // {type: "node" | "edge", id}
let linkFrom = null; // keyboard / button link mode: the source node id
let gesture = null; // {kind: "pan" | "move" | "link", ...}
let reloadWanted = false;

// Routes hold while every task stands where the layered layout put it; once someone moves a task, links
// are drawn point to point.
function laidOut() {
  return data.nodes.every((n) => n.x === n.auto_x && n.y === n.auto_y);
}

function drawEdges() {
  edgesLayer.replaceChildren();
  const routed = laidOut();
  for (const e of data.edges) {
    const a = byId.get(e.left || e.from),
      b = byId.get(e.right || e.to);
    if (!a || !b) continue;
    const { d, mx, my } =
      routed && b.node.x > a.node.x ? routePath(a.node, b.node, e.route || [], W, H) : edgePath(a.node, b.node, W, H);
    const active = selected?.type === "edge" && selected.id === e.id;
    // Drawn left to right; the arrow points at the link's `to` end (the start, for "depends on").
    const marker = active ? "url(#arrow-active)" : "url(#arrow)";
    const backwards = e.left && e.left !== e.from;
    const g = el("g", {
      class: `edge${e.dependency ? "" : " edge-soft"}${active ? " selected" : ""}`,
      "data-edge": e.id,
    });
    g.append(el("path", { class: "edge-hit", d }));
    g.append(el("path", { class: "edge-line", d, [backwards ? "marker-start" : "marker-end"]: marker }));
    const text = e.label.replace("_", " ");
    const box = labelBox(text, mx, my);
    g.append(el("rect", { class: "edge-label-bg", ...box, rx: 9 }));
    g.append(el("text", { class: "edge-label", x: mx, y: my + 4, "text-anchor": "middle" }, text));
    edgesLayer.append(g);
  }
}

function drawAll() {
  const focused = document.activeElement?.closest?.(".node")?.dataset.id;
  byId = new Map();
  nodesLayer.replaceChildren();
  for (const n of data.nodes) {
    const g = nodeElement(n, W, H, config.can_write);
    byId.set(n.id, { node: n, el: g });
    nodesLayer.append(g);
  }
  drawEdges();
  markSelection();
  stats();
  if (focused) byId.get(focused)?.el.focus({ preventScroll: true });
}

function stats() {
  document.getElementById("flow-stats").textContent = `${data.nodes.length} tasks · ${data.edges.length} links`;
}

function fit() {
  camera.fit(data.nodes, W, H);
}

// ---- selection and banner ------------------------------------------------------------------------
function labelOf(id) {
  return byId.get(id)?.node.label || id.slice(0, 8);
}

function markSelection() {
  for (const g of nodesLayer.querySelectorAll(".node")) {
    g.classList.toggle("selected", selected?.type === "node" && selected.id === g.dataset.id);
    g.classList.toggle("link-source", linkFrom === g.dataset.id);
  }
  const bar = document.getElementById("flow-selection");
  const text = document.getElementById("selection-text");
  const open = document.getElementById("selection-open");
  const link = document.getElementById("selection-link");
  const del = document.getElementById("selection-delete");
  if (linkFrom) {
    bar.hidden = false;
    text.textContent = `Link “${labelOf(linkFrom)}” to… click a task, or Esc to cancel`;
    open.hidden = true;
    if (link) link.hidden = true;
    if (del) del.hidden = true;
  } else if (selected?.type === "node" && byId.has(selected.id)) {
    bar.hidden = false;
    text.textContent = labelOf(selected.id);
    open.hidden = false;
    open.href = `/projects/${projectId}/board?task=${selected.id}`;
    if (link) link.hidden = false;
    if (del) del.hidden = true;
  } else if (selected?.type === "edge") {
    const e = data.edges.find((x) => x.id === selected.id);
    if (!e) {
      selected = null;
      bar.hidden = true;
      return;
    }
    bar.hidden = false;
    text.textContent = `${labelOf(e.from)} → ${e.label.replace("_", " ")} → ${labelOf(e.to)}`;
    open.hidden = true;
    if (link) link.hidden = true;
    if (del) del.hidden = false;
  } else {
    bar.hidden = true;
  }
}

function select(next) {
  selected = next;
  drawEdges();
  markSelection();
}

function banner(message) {
  const box = document.getElementById("flow-banner");
  document.getElementById("flow-banner-text").textContent = message;
  box.hidden = !message;
}
document.getElementById("flow-banner-close").addEventListener("click", () => banner(""));

// ---- writes --------------------------------------------------------------------------------------
const positions = createPositions({
  getData: () => data,
  projectId,
  reload: () => reload(),
  redraw: () => {
    drawAll();
    fit();
  },
});
const { savePosition, autoLayout } = positions;

async function createEdge(from, to) {
  linkFrom = null;
  if (from === to) {
    markSelection();
    return;
  }
  const label = document.getElementById("edge-label").value;
  try {
    const edge = await api("POST", `/api/v1/projects/${projectId}/edges`, {
      from_type: "task",
      from_id: from,
      to_type: "task",
      to_id: to,
      label,
    });
    if (!data.edges.some((e) => e.id === edge.id)) {
      data.edges.push({
        id: edge.id,
        from: edge.from_id,
        to: edge.to_id,
        label: edge.label,
        dependency: config.dependency_labels.includes(edge.label),
        style: edge.style,
      });
    }
    banner("");
    stats();
    select({ type: "edge", id: edge.id });
    toast(`Linked: ${labelOf(from)} ${label.replace("_", " ")} ${labelOf(to)}`);
    reload();
  } catch (err) {
    // One message per event: the banner stays by the canvas until dismissed, so no toast repeats it.
    banner(`Link refused: ${describe(err)}`);
    markSelection();
  }
}

async function deleteEdge(id) {
  const e = data.edges.find((x) => x.id === id);
  if (!e) return;
  const ok = await confirmAction({
    title: "Delete this link?",
    body: `${labelOf(e.from)} → ${e.label.replace("_", " ")} → ${labelOf(e.to)}`,
    confirmLabel: "Delete link",
  });
  if (!ok) return;
  try {
    await api("DELETE", `/api/v1/edges/${id}`);
    data.edges = data.edges.filter((x) => x.id !== id);
    stats();
    select(null);
    toast("Link deleted");
  } catch (err) {
    toast(`Not deleted — ${describe(err)}`, "error");
  }
}

// ---- pointer gestures ----------------------------------------------------------------------------
// Touch: one finger moves a task or pans; two fingers pinch to zoom and pan together.
svg.addEventListener("pointerdown", (event) => {
  if (event.pointerType === "touch") {
    const pinch = camera.touchDown(event);
    if (pinch) {
      if (gesture?.kind === "move" && gesture.moved) byId.get(gesture.node.id)?.el.classList.remove("dragging");
      gesture = pinch;
      return;
    }
    if (camera.touches.size > 2) return;
  }
  if (event.button !== 0) return;
  const handle = event.target.closest(".handle");
  const nodeEl = event.target.closest(".node");
  const edgeEl = event.target.closest(".edge");
  svg.setPointerCapture(event.pointerId);
  if (handle && config.can_write) {
    gesture = { kind: "link", from: handle.dataset.handle };
    event.preventDefault();
  } else if (nodeEl) {
    const n = byId.get(nodeEl.dataset.id).node;
    if (linkFrom) {
      createEdge(linkFrom, n.id);
      gesture = null;
      return;
    }
    const p = toWorld(event.clientX, event.clientY);
    gesture = {
      kind: "move",
      node: n,
      dx: p.x - n.x,
      dy: p.y - n.y,
      sx: event.clientX,
      sy: event.clientY,
      moved: false,
    };
    select({ type: "node", id: n.id });
  } else if (edgeEl) {
    select({ type: "edge", id: edgeEl.dataset.edge });
    gesture = null;
  } else {
    gesture = { kind: "pan", sx: event.clientX, sy: event.clientY, vx: view.x, vy: view.y };
    if (linkFrom) {
      linkFrom = null;
      markSelection();
    }
    select(null);
    svg.classList.add("panning");
  }
});

function nodeAt(clientX, clientY) {
  const hit = document.elementFromPoint(clientX, clientY);
  return hit?.closest?.(".node") || null;
}

svg.addEventListener("pointermove", (event) => {
  camera.touchMove(event);
  if (!gesture) return;
  if (gesture.kind === "pinch") {
    camera.pinch(gesture);
  } else if (gesture.kind === "pan") {
    view.x = gesture.vx + event.clientX - gesture.sx;
    view.y = gesture.vy + event.clientY - gesture.sy;
    applyView();
  } else if (gesture.kind === "move" && config.can_write) {
    if (!gesture.moved && Math.hypot(event.clientX - gesture.sx, event.clientY - gesture.sy) < 4) return;
    gesture.moved = true;
    const p = toWorld(event.clientX, event.clientY);
    const n = gesture.node;
    n.x = p.x - gesture.dx;
    n.y = p.y - gesture.dy;
    byId.get(n.id).el.setAttribute("transform", `translate(${n.x} ${n.y})`);
    byId.get(n.id).el.classList.add("dragging");
    drawEdges();
  } else if (gesture.kind === "link") {
    const from = byId.get(gesture.from).node;
    const p = toWorld(event.clientX, event.clientY);
    rubber.setAttribute("d", `M${from.x + W} ${from.y + H / 2} L${p.x} ${p.y}`);
    const target = nodeAt(event.clientX, event.clientY);
    for (const g of nodesLayer.querySelectorAll(".link-target")) if (g !== target) g.classList.remove("link-target");
    if (target && target.dataset.id !== gesture.from) target.classList.add("link-target");
  }
});

function endGesture(event, cancelled) {
  const fingers = camera.touchUp(event);
  if (gesture?.kind === "pinch" && fingers) return; // the other finger is still down
  const g = gesture;
  gesture = null;
  svg.classList.remove("panning");
  if (!g) return;
  if (g.kind === "move" && g.moved) {
    byId.get(g.node.id)?.el.classList.remove("dragging");
    if (!cancelled) savePosition(g.node);
  } else if (g.kind === "link") {
    rubber.setAttribute("d", "");
    for (const el of nodesLayer.querySelectorAll(".link-target")) el.classList.remove("link-target");
    const target = cancelled ? null : nodeAt(event.clientX, event.clientY);
    if (target && target.dataset.id !== g.from) createEdge(g.from, target.dataset.id);
  }
  if (reloadWanted) reload();
}

svg.addEventListener("pointerup", (event) => endGesture(event, false));
svg.addEventListener("pointercancel", (event) => endGesture(event, true));
svg.addEventListener(
  "wheel",
  (event) => {
    event.preventDefault();
    zoom(Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
  },
  { passive: false },
);
svg.addEventListener("dblclick", (event) => {
  const nodeEl = event.target.closest(".node");
  if (nodeEl) window.location.href = `/projects/${projectId}/board?task=${nodeEl.dataset.id}`;
});

// ---- keyboard ---------------------------------------------------------------------------------------
const saveSoon = debounce((n) => savePosition(n), 500);

svg.addEventListener("focusin", (event) => {
  const nodeEl = event.target.closest(".node");
  if (nodeEl && !linkFrom) select({ type: "node", id: nodeEl.dataset.id });
});

svg.addEventListener("keydown", (event) => {
  const nodeEl = event.target.closest(".node");
  if (event.key === "Escape") {
    linkFrom = null;
    select(null);
    banner("");
    return;
  }
  if ((event.key === "Delete" || event.key === "Backspace") && selected?.type === "edge") {
    event.preventDefault();
    deleteEdge(selected.id);
    return;
  }
  if (!nodeEl) return;
  const n = byId.get(nodeEl.dataset.id).node;
  if (event.key === "Enter") {
    event.preventDefault();
    if (linkFrom) createEdge(linkFrom, n.id);
    else window.location.href = `/projects/${projectId}/board?task=${n.id}`;
  } else if (event.key === "l" && config.can_write) {
    linkFrom = n.id;
    markSelection();
  } else if (event.key.startsWith("Arrow") && config.can_write) {
    event.preventDefault();
    const step = event.shiftKey ? 50 : 10;
    if (event.key === "ArrowLeft") n.x -= step;
    if (event.key === "ArrowRight") n.x += step;
    if (event.key === "ArrowUp") n.y -= step;
    if (event.key === "ArrowDown") n.y += step;
    nodeEl.setAttribute("transform", `translate(${n.x} ${n.y})`);
    drawEdges();
    saveSoon(n);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, dialog") || svg.contains(event.target)) return;
  if (event.key === "f" && !event.ctrlKey && !event.metaKey) fit();
  if (event.key === "Escape") {
    linkFrom = null;
    select(null);
    banner("");
  }
});

document.querySelector(".flow-tools").addEventListener("click", (event) => {
  const action = event.target.closest("[data-flow]")?.dataset.flow;
  if (action === "fit") fit();
  else if (action === "zoom-in") zoom(1.2);
  else if (action === "zoom-out") zoom(1 / 1.2);
  else if (action === "auto-layout") autoLayout();
});
document.getElementById("selection-link")?.addEventListener("click", () => {
  if (selected?.type === "node") {
    linkFrom = selected.id;
    markSelection();
  }
});
document.getElementById("selection-delete")?.addEventListener("click", () => {
  if (selected?.type === "edge") deleteEdge(selected.id);
});

// ---- live updates --------------------------------------------------------------------------------
const reload = debounce(async () => {
  if (gesture) {
    reloadWanted = true;
    return;
  }
  reloadWanted = false;
  try {
    const response = await fetch(`/projects/${projectId}/flow.json`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const fresh = await response.json();
    if (gesture) {
      reloadWanted = true;
      return;
    }
    // Tasks nobody placed get automatic positions, which shift as links change; keep them where the
    // person sees them for as long as the page is open, so nothing jumps under the pointer.
    const shown = new Map(data.nodes.map((n) => [n.id, n]));
    for (const n of fresh.nodes) {
      const before = shown.get(n.id);
      if (before && !n.placed && !before.placed) {
        n.x = before.x;
        n.y = before.y;
      }
    }
    data = fresh;
    drawAll();
  } catch {
    /* the live indicator shows the connection; the next event retries */
  }
}, 250);

onLive((event) => {
  const kind = event.kind || "";
  if (kind === "resync" || kind.startsWith("task.") || kind.startsWith("edge.")) reload();
});

drawAll();
fit();
window.addEventListener("resize", debounce(fit, 200));
