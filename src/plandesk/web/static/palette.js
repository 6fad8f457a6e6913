// The command palette (Ctrl/Cmd-K): jump to a view, or search tasks, documents, notes and comments.
import { api, describe } from "./api.js";
import { stripMarks } from "./text.js";
import { debounce, h } from "./ui.js";

const dialog = document.getElementById("palette");
const input = document.getElementById("palette-input");
const list = document.getElementById("palette-results");
let items = [];
let active = 0;
let lastQuery = null;

function projectNames() {
  const names = {};
  for (const a of document.querySelectorAll(".nav-project")) {
    const m = a.getAttribute("href").match(/^\/projects\/([^/]+)/);
    if (m) names[m[1]] = a.textContent.trim();
  }
  return names;
}

function commands() {
  const pid = document.body.dataset.project;
  const out = [
    { title: "Go to projects", hint: "Home", href: "/" },
    { title: "Settings: MCP tokens", hint: "Settings", href: "/settings/mcp" },
  ];
  if (pid) {
    for (const [key, label] of [
      ["", "Overview"],
      ["/board", "Board"],
      ["/list", "List"],
      ["/flow", "Flow"],
      ["/documents", "Documents"],
      ["/notes", "Notes"],
      ["/goals", "Goals"],
      ["/runs", "Agent runs"],
      ["/activity", "Activity"],
    ]) {
      out.push({ title: `Go to ${label}`, hint: "View", href: `/projects/${pid}${key}` });
    }
  }
  return out;
}

function hitHref(hit) {
  const base = `/projects/${hit.project_id}`;
  if (hit.kind === "task") return `${base}/board?task=${hit.id}`;
  if (hit.kind === "document") return `${base}/documents/${hit.id}`;
  if (hit.kind === "note") return `${base}/notes/${hit.id}`;
  return `/comments/${hit.id}`;
}

// Excerpts mark matches with [ and ]; build <mark> nodes rather than trusting markup.
function excerptNodes(text) {
  const nodes = [];
  const parts = String(text || "").split(/(\[[^\[\]]*\])/);
  for (const part of parts) {
    if (part.startsWith("[") && part.endsWith("]") && part.length > 2)
      nodes.push(h("mark", { text: part.slice(1, -1) }));
    else if (part) nodes.push(document.createTextNode(stripMarks(part)));
  }
  return nodes;
}

function draw(message) {
  list.replaceChildren();
  if (message) list.append(h("li", { class: "palette-empty", text: message }));
  items.forEach((item, i) => {
    const li = h(
      "li",
      {
        class: "palette-item",
        role: "option",
        id: `pal-${i}`,
        "aria-selected": String(i === active),
        onmousemove: () => select(i),
        onclick: () => go(i),
      },
      h("span", { class: `kind kind-${item.kind}`, text: item.kindLabel }),
      h(
        "span",
        { class: "palette-main" },
        h("span", { class: "palette-title", text: item.title }),
        item.excerpt ? h("span", { class: "palette-excerpt" }, excerptNodes(item.excerpt)) : null,
      ),
      item.hint ? h("span", { class: "palette-hint", text: item.hint }) : null,
    );
    list.append(li);
  });
  input.setAttribute("aria-activedescendant", items.length ? `pal-${active}` : "");
}

function select(i) {
  active = Math.max(0, Math.min(items.length - 1, i));
  list.querySelectorAll(".palette-item").forEach((el, j) => el.setAttribute("aria-selected", String(j === active)));
  list.querySelector(`#pal-${active}`)?.scrollIntoView({ block: "nearest" });
}

function go(i) {
  const item = items[i];
  if (!item) return;
  dialog.close();
  window.location.href = item.href;
}

const search = debounce(async (query) => {
  const cmds = commands()
    .filter((c) => c.title.toLowerCase().includes(query.toLowerCase()))
    .map((c) => ({ ...c, kind: "command", kindLabel: "↵" }));
  if (query.trim().length < 2) {
    items = cmds;
    active = 0;
    draw(items.length ? "" : "No matching commands");
    return;
  }
  lastQuery = query;
  list.setAttribute("aria-busy", "true");
  try {
    const found = await api("GET", `/api/v1/search?q=${encodeURIComponent(query)}&limit=15`);
    if (query !== lastQuery) return;
    const names = projectNames();
    const current = document.body.dataset.project;
    const hits = found.results.map((hit) => ({
      kind: hit.kind,
      kindLabel: hit.kind,
      title: hit.title || "(untitled)",
      excerpt: hit.excerpt,
      hint: hit.project_id !== current ? names[hit.project_id] || "" : "",
      href: hitHref(hit),
    }));
    items = [...hits, ...cmds.slice(0, 3)];
    active = 0;
    draw(items.length ? "" : `Nothing found for “${query}”`);
  } catch (err) {
    items = cmds;
    active = 0;
    draw(`Search failed: ${describe(err)}`);
  } finally {
    list.removeAttribute("aria-busy");
  }
}, 120);

export function openPalette() {
  if (!dialog || dialog.open) return;
  input.value = "";
  items = commands().map((c) => ({ ...c, kind: "command", kindLabel: "↵" }));
  active = 0;
  draw("");
  dialog.showModal();
  input.focus();
}

if (dialog) {
  input.addEventListener("input", () => search(input.value));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      select(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      select(active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      go(active);
    }
  });
  // A click on the backdrop (outside the box) closes the palette.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
