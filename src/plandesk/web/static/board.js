// The board: drag cards between status columns, filter by tag and assignee, quick add, live updates.
import { api, describe, fragment } from "./api.js";
import { closeDrawer, openDrawer, openTaskId, taskChangedElsewhere } from "./drawer.js";
import { cardVisible, recount, startFilters } from "./board_filters.js";
import { onLive } from "./live.js";
import { changed, confirmUnfinished, refusedBlocked, taskEdits } from "./task_edits.js";
import { debounce, isTyping, refreshTimes, toast } from "./ui.js";

const board = document.getElementById("board");
const projectId = board.dataset.project;
const statuses = [...board.querySelectorAll(".column")].map((c) => c.dataset.status);
const labels = Object.fromEntries(
  [...board.querySelectorAll(".column")].map((c) => [c.dataset.status, c.querySelector("h2").textContent.trim()]),
);
let drag = null;
let suppressClick = false;

// ---- placing cards -------------------------------------------------------------------------------
function orderKey(card) {
  return card.dataset.order || "";
}

function place(card, status) {
  const list = board.querySelector(`.cards[data-status="${status}"]`);
  const after = [...list.children].find((c) => c !== card && orderKey(c) > orderKey(card));
  list.insertBefore(card, after || null);
  card.dataset.status = status;
}

async function refreshCard(taskId, version) {
  const existing = document.getElementById(`card-${taskId}`);
  if (existing && version !== undefined && Number(existing.dataset.version) >= Number(version)) return;
  if (drag && drag.card.dataset.id === taskId) return;
  let doc;
  try {
    doc = await fragment(`/projects/${projectId}/board/cards/${encodeURIComponent(taskId)}`);
  } catch (err) {
    if (err.status === 404) existing?.remove();
    recount();
    return;
  }
  const card = doc.querySelector(".card");
  if (!card) return;
  const current = document.getElementById(`card-${taskId}`);
  if (current && Number(current.dataset.version) > Number(card.dataset.version)) return;
  const fresh = document.adoptNode(card);
  fresh.dataset.touched = String(performance.now());
  const hadFocus = current?.contains(document.activeElement);
  current?.remove();
  place(fresh, fresh.dataset.status);
  if (hadFocus) fresh.querySelector(".card-link")?.focus({ preventScroll: true });
  fresh.hidden = !cardVisible(fresh);
  fresh.classList.add("flash");
  recount();
}

// A full re-read keeps blocked markers and counts right after status or edge changes; coalesced.
const refreshBoard = debounce(async () => {
  if (drag) {
    refreshBoard();
    return;
  }
  try {
    const url = new URL(window.location.href);
    url.search = "";
    const startedAt = performance.now();
    const doc = await fragment(url.pathname);
    if (drag) {
      refreshBoard();
      return;
    }
    const focused = document.activeElement?.closest(".card")?.dataset.id;
    const shown = [...board.querySelectorAll(".card")];
    for (const list of board.querySelectorAll(".cards")) {
      const fresh = doc.querySelector(`.cards[data-status="${list.dataset.status}"]`);
      if (fresh) list.replaceChildren(...[...fresh.children].map((c) => document.adoptNode(c)));
    }
    // The snapshot was taken before this page's latest changes landed: keep the newer cards it lacks.
    for (const old of shown) {
      const fresh = document.getElementById(`card-${old.dataset.id}`);
      const newer = fresh
        ? Number(fresh.dataset.version) < Number(old.dataset.version)
        : Number(old.dataset.touched || 0) > startedAt;
      if (newer) {
        fresh?.remove();
        place(old, old.dataset.status);
      }
    }
    for (const card of board.querySelectorAll(".card")) card.hidden = !cardVisible(card);
    if (focused) document.querySelector(`#card-${focused} .card-link`)?.focus({ preventScroll: true });
    refreshTimes(board);
    recount();
  } catch {
    /* the live indicator shows the connection state; the next event retries */
  }
}, 400);

function cardTitle(card) {
  return card.querySelector(".card-title")?.textContent.trim() || "";
}

// `undoing`: this move takes back an earlier one (no new Undo for it, no question asked again).
async function moveCard(card, status, { undoing = false } = {}) {
  const from = card.dataset.status;
  if (from === status) return;
  if (!undoing && !(await confirmUnfinished(card.dataset.waiting, cardTitle(card), status))) return;
  const list = card.parentElement;
  const next = card.nextElementSibling;
  place(card, status);
  card.dataset.touched = String(performance.now());
  recount();
  card.classList.add("saving");
  const taskId = card.dataset.id;
  try {
    const task = await taskEdits.enqueue(taskId, { status }, Number(card.dataset.version));
    const current = document.getElementById(`card-${taskId}`) || card;
    current.dataset.version = String(Math.max(Number(current.dataset.version), task.version));
    if (undoing) toast(`Moved back to ${labels[status]}`, "ok", { timeout: 1600 });
    else {
      changed(`Moved to ${labels[status]}`, () => {
        const now = document.getElementById(`card-${taskId}`);
        return now ? moveCard(now, from, { undoing: true }) : null;
      });
    }
    if (openTaskId() === task.id) openDrawer(task.id, { push: false, focus: false });
    refreshBoard();
  } catch (err) {
    if (card.parentElement === board.querySelector(`.cards[data-status="${status}"]`)) {
      list.insertBefore(card, next && next.parentElement === list ? next : null);
      card.dataset.status = from;
    }
    recount();
    const conflict = err.status === 409 && !refusedBlocked(err);
    toast(
      conflict
        ? `Someone changed this task meanwhile (“${cardTitle(card)}”); the board shows the latest now`
        : `“${cardTitle(card)}” not moved — ${describe(err)}`,
      "error",
    );
    if (conflict) refreshCard(taskId);
  } finally {
    card.classList.remove("saving");
  }
}

// ---- dragging (pointer events: mouse and pen; touch scrolls, and status changes in the drawer) ---------
function columnAt(x, y) {
  const el = document.elementFromPoint(x, y);
  return el ? el.closest(".column") : null;
}

const canWrite = board.dataset.canWrite === "yes";

board.addEventListener("pointerdown", (event) => {
  const card = event.target.closest(".card");
  if (!card || !canWrite || event.button !== 0 || event.pointerType === "touch") return;
  drag = { card, x: event.clientX, y: event.clientY, started: false, ghost: null, over: null };
});

document.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x,
    dy = event.clientY - drag.y;
  if (!drag.started) {
    if (Math.hypot(dx, dy) < 5) return;
    drag.started = true;
    const rect = drag.card.getBoundingClientRect();
    drag.offsetX = drag.x - rect.left;
    drag.offsetY = drag.y - rect.top;
    drag.ghost = drag.card.cloneNode(true);
    drag.ghost.removeAttribute("id");
    drag.ghost.classList.add("drag-ghost");
    drag.ghost.style.width = `${rect.width}px`;
    document.body.append(drag.ghost);
    drag.card.classList.add("dragging");
    document.body.classList.add("is-dragging");
  }
  drag.ghost.style.transform = `translate(${event.clientX - drag.offsetX}px, ${event.clientY - drag.offsetY}px) rotate(1.5deg)`;
  const column = columnAt(event.clientX, event.clientY);
  if (column !== drag.over) {
    drag.over?.classList.remove("drop-target");
    drag.over = column;
    column?.classList.add("drop-target");
  }
});

function endDrag(event, cancelled) {
  if (!drag) return;
  const { card, started, ghost, over } = drag;
  drag = null;
  if (!started) return;
  ghost.remove();
  card.classList.remove("dragging");
  document.body.classList.remove("is-dragging");
  over?.classList.remove("drop-target");
  suppressClick = true;
  setTimeout(() => {
    suppressClick = false;
  }, 0);
  if (!cancelled && over) moveCard(card, over.dataset.status);
}

document.addEventListener("pointerup", (event) => endDrag(event, false));
document.addEventListener("pointercancel", (event) => endDrag(event, true));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && drag?.started) endDrag(event, true);
});

// ---- opening cards, keyboard -------------------------------------------------------------------------
board.addEventListener("click", (event) => {
  const link = event.target.closest(".card-link");
  if (!link) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey) return; // let the browser open a new tab
  event.preventDefault();
  if (suppressClick) return;
  openDrawer(link.closest(".card").dataset.id);
});

board.addEventListener("keydown", (event) => {
  const card = event.target.closest(".card");
  if (!card || !event.target.matches(".card-link")) return;
  const column = statuses.indexOf(card.dataset.status);
  if (canWrite && event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
    event.preventDefault();
    const target = statuses[column + (event.key === "ArrowRight" ? 1 : -1)];
    // Focus follows the card, unless the person has moved on to another card meanwhile.
    if (target) {
      const id = card.dataset.id;
      moveCard(card, target).then(() => {
        const active = document.activeElement;
        if (!active || active === document.body) document.querySelector(`#card-${id} .card-link`)?.focus();
      });
    }
    return;
  }
  const visible = (list) => [...list.querySelectorAll(".card:not([hidden])")];
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const cards = visible(card.parentElement);
    const i = cards.indexOf(card) + (event.key === "ArrowDown" ? 1 : -1);
    cards[i]?.querySelector(".card-link").focus();
  } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
    event.preventDefault();
    for (
      let c = column + (event.key === "ArrowRight" ? 1 : -1);
      c >= 0 && c < statuses.length;
      c += event.key === "ArrowRight" ? 1 : -1
    ) {
      const first = visible(board.querySelector(`.cards[data-status="${statuses[c]}"]`))[0];
      if (first) {
        first.querySelector(".card-link").focus();
        break;
      }
    }
  }
});

// ---- quick add ---------------------------------------------------------------------------------------
const quickAdd = document.getElementById("quick-add");

function showQuickAdd(status = "todo") {
  quickAdd.hidden = false;
  quickAdd.elements.status.value = status;
  quickAdd.elements.label.focus();
}

document.addEventListener("click", (event) => {
  const el = event.target.closest('[data-action="new-task"]');
  if (el) {
    event.preventDefault();
    showQuickAdd(el.dataset.status || "todo");
  }
});

quickAdd.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    quickAdd.hidden = true;
    event.stopPropagation();
  }
});
quickAdd.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = quickAdd.elements.label;
  const label = input.value.trim();
  if (!label) return;
  // Clear at once so the next title can be typed while this one saves (fast entry, one after another).
  input.value = "";
  input.focus();
  try {
    const task = await api("POST", `/api/v1/projects/${projectId}/tasks`, {
      label,
      status: quickAdd.elements.status.value,
    });
    toast(`Created “${task.label}”`);
    await refreshCard(task.id);
  } catch (err) {
    toast(`Task not created — ${describe(err)}`, "error");
    if (!input.value) input.value = label;
  }
});

document.addEventListener("keydown", (event) => {
  if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]"))
    return;
  if (event.key === "c" && canWrite) {
    event.preventDefault();
    showQuickAdd();
  }
});

// ---- live updates and changes from the drawer -----------------------------------------------------
onLive((event) => {
  const kind = event.kind || "";
  if (kind === "resync") {
    refreshBoard();
    const open = openTaskId();
    if (open) openDrawer(open, { push: false, focus: false });
    return;
  }
  if (kind.startsWith("task.")) {
    const taskId = event.task?.id || event.id;
    if (!taskId) return;
    if (kind === "task.deleted") {
      document.getElementById(`card-${taskId}`)?.remove();
      if (openTaskId() === taskId) {
        closeDrawer();
        toast("The open task was deleted elsewhere", "warn");
      }
      recount();
    } else {
      refreshCard(taskId, event.task?.version);
      taskChangedElsewhere(taskId, event.task?.version);
    }
    if (kind !== "task.updated" || (event.changed || []).includes("status")) refreshBoard();
  } else if (kind.startsWith("edge.")) {
    refreshBoard();
    const open = openTaskId();
    const edge = event.edge || {};
    if (open && (edge.from_id === open || edge.to_id === open || kind === "edge.deleted"))
      openDrawer(open, { push: false, focus: false });
  } else if (kind.startsWith("comment.") || kind.startsWith("revision.")) {
    const open = openTaskId();
    if (open) taskChangedElsewhere(open);
  }
});

document.addEventListener("plandesk:task-changed", (event) => refreshCard(event.detail.id, event.detail.version));
document.addEventListener("plandesk:task-deleted", (event) => {
  document.getElementById(`card-${event.detail.id}`)?.remove();
  recount();
});

// ---- start ---------------------------------------------------------------------------------------------
startFilters();
