// The board's views of its cards: tag and assignee filters (kept in the address), the column counts, and
// folded columns (remembered in this browser).

const board = document.getElementById("board");
const labels = Object.fromEntries(
  [...board.querySelectorAll(".column")].map((c) => [c.dataset.status, c.querySelector("h2").textContent.trim()]),
);
const filters = { tags: new Set(), assignee: "" };

// ---- filters -------------------------------------------------------------------------------------
export function cardVisible(card) {
  if (filters.tags.size) {
    const tags = card.dataset.tags ? card.dataset.tags.split("|") : [];
    if (!tags.some((t) => filters.tags.has(t))) return false;
  }
  if (filters.assignee === "__none__") return !card.dataset.assignee;
  if (filters.assignee) return card.dataset.assignee === filters.assignee;
  return true;
}

function applyFilters() {
  for (const card of board.querySelectorAll(".card")) card.hidden = !cardVisible(card);
  for (const chip of document.querySelectorAll("#filters .chip[data-tag]")) {
    chip.setAttribute("aria-pressed", String(filters.tags.has(chip.dataset.tag)));
  }
  const select = document.getElementById("assignee-filter");
  if (select) select.value = filters.assignee;
  const active = filters.tags.size > 0 || !!filters.assignee;
  document.getElementById("clear-filters").hidden = !active;
  const url = new URL(window.location.href);
  url.searchParams.delete("tag");
  url.searchParams.delete("assignee");
  for (const t of filters.tags) url.searchParams.append("tag", t);
  if (filters.assignee) url.searchParams.set("assignee", filters.assignee);
  history.replaceState(history.state, "", url);
  recount();
}

export function recount() {
  let total = 0,
    shown = 0,
    blocked = 0;
  for (const column of board.querySelectorAll(".column")) {
    const cards = column.querySelectorAll(".card");
    const visible = [...cards].filter((c) => !c.hidden);
    total += cards.length;
    shown += visible.length;
    blocked += visible.filter((c) => c.classList.contains("is-blocked")).length;
    column.querySelector(".count").textContent =
      filters.tags.size || filters.assignee ? `${visible.length}/${cards.length}` : String(cards.length);
    column.classList.toggle("is-empty", visible.length === 0);
  }
  const stats = document.getElementById("board-stats");
  if (stats)
    stats.textContent = `${shown === total ? total : `${shown} of ${total}`} tasks${blocked ? ` · ${blocked} blocked` : ""}`;
}

// ---- filters wiring ----------------------------------------------------------------------------------
document.getElementById("filters").addEventListener("click", (event) => {
  const chip = event.target.closest(".chip[data-tag]");
  if (!chip) return;
  const tag = chip.dataset.tag;
  if (filters.tags.has(tag)) filters.tags.delete(tag);
  else filters.tags.add(tag);
  applyFilters();
});
document.getElementById("assignee-filter")?.addEventListener("change", (event) => {
  filters.assignee = event.target.value;
  applyFilters();
});
document.getElementById("clear-filters").addEventListener("click", () => {
  filters.tags.clear();
  filters.assignee = "";
  applyFilters();
});

// ---- collapsed columns (Backlog starts folded so the four working columns fit a laptop screen) ----------
const COLLAPSED_KEY = "plandesk:collapsed-columns";

function collapsedColumns() {
  try {
    return new Set(JSON.parse(localStorage.getItem(COLLAPSED_KEY) || '["backlog"]'));
  } catch {
    return new Set(["backlog"]);
  }
}

function showCollapsed(set) {
  for (const column of board.querySelectorAll(".column")) {
    const folded = set.has(column.dataset.status);
    column.classList.toggle("collapsed", folded);
    const button = column.querySelector(".collapse-btn");
    button.setAttribute("aria-expanded", String(!folded));
    button.setAttribute("aria-label", `${folded ? "Expand" : "Collapse"} ${labels[column.dataset.status]}`);
  }
}

board.addEventListener("click", (event) => {
  const column = event.target.closest(".column");
  const button = event.target.closest(".collapse-btn");
  if (
    !column ||
    !(button || (column.classList.contains("collapsed") && !document.body.classList.contains("is-dragging")))
  )
    return;
  const set = collapsedColumns();
  if (set.has(column.dataset.status)) set.delete(column.dataset.status);
  else set.add(column.dataset.status);
  try {
    localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...set]));
  } catch {
    /* private mode: not remembered */
  }
  showCollapsed(set);
});

export function startFilters() {
  const params = new URL(window.location.href).searchParams;
  for (const t of params.getAll("tag")) filters.tags.add(t);
  filters.assignee = params.get("assignee") || "";
  showCollapsed(collapsedColumns());
  applyFilters();
}
