// The trash: restoring a deleted task, document, note or goal (the Undo of a delete toast, and the Trash page).
// The Trash page follows the project's live events: deletes, restores and purges made elsewhere appear without
// a reload.
import { api, describe, fragment } from "./api.js";
import { onLive } from "./live.js";
import { confirmAction, debounce, h, refreshTimes, toast } from "./ui.js";

// Put a trashed item back; the toast names links the server had to leave out (their other end is gone).
// `action` ({label, run}) adds a button to that toast, such as Open.
export async function restoreFromTrash(trashId, { action } = {}) {
  const answer = await api("POST", `/api/v1/trash/${encodeURIComponent(trashId)}/restore`);
  const links = (answer.skipped || []).filter((s) => s.kind === "link").length;
  const lost = links ? `; ${links} link${links === 1 ? "" : "s"} to deleted items left out` : "";
  toast(`Restored “${answer.title}”${lost}`, links ? "warn" : "ok", { action });
  return answer;
}

const OPEN = {
  task: (p, id) => `/projects/${p}/board?task=${id}`,
  document: (p, id) => `/projects/${p}/documents/${id}`,
  note: (p, id) => `/projects/${p}/notes/${id}`,
  goal: (p, id) => `/projects/${p}/goals#goal-${id}`,
};

let root = document.getElementById("trash");

function emptyCheck() {
  if (root.querySelector(".trash-row")) return;
  root.querySelector(".table-wrap")?.replaceWith(h("p", { class: "muted trash-empty", text: "The trash is empty." }));
  document.querySelector('[data-trash-action="empty"]')?.remove();
}

async function onRow(row, action) {
  const title = row.dataset.title;
  if (action === "restore") {
    try {
      const href = OPEN[row.dataset.type]?.(root.dataset.project, row.dataset.item);
      const open = { label: "Open", run: () => (window.location.href = href) };
      await restoreFromTrash(row.dataset.trash, { action: href ? open : undefined });
      row.remove();
      emptyCheck();
    } catch (err) {
      toast(`Not restored — ${describe(err)}`, "error");
    }
  } else if (action === "purge") {
    const ok = await confirmAction({
      title: `Delete “${title}” for good?`,
      body: "It cannot be restored afterwards. Its history stays in the activity log.",
      confirmLabel: "Delete forever",
    });
    if (!ok) return;
    try {
      await api("DELETE", `/api/v1/trash/${encodeURIComponent(row.dataset.trash)}`);
      row.remove();
      toast(`Deleted “${title}” for good`);
      emptyCheck();
    } catch (err) {
      toast(`Not deleted — ${describe(err)}`, "error");
    }
  }
}

async function emptyTrash() {
  const ok = await confirmAction({
    title: "Empty the trash?",
    body: "Everything in it is deleted for good and cannot be restored.",
    confirmLabel: "Empty trash",
  });
  if (!ok) return;
  try {
    await api("POST", `/api/v1/projects/${root.dataset.project}/trash/purge`);
    window.location.reload();
  } catch (err) {
    toast(`Not emptied — ${describe(err)}`, "error");
  }
}

// Re-read the page and put its list (and the Empty trash button) in place of ours; new rows are marked.
const refresh = debounce(async () => {
  try {
    const doc = await fragment(window.location.pathname);
    const fresh = doc.getElementById("trash");
    if (!fresh || !root.isConnected) return;
    const known = new Set([...root.querySelectorAll(".trash-row")].map((r) => r.dataset.trash));
    root.replaceWith(document.adoptNode(fresh));
    root = fresh;
    for (const row of root.querySelectorAll(".trash-row"))
      if (!known.has(row.dataset.trash)) row.classList.add("flash");
    const empty = doc.querySelector('[data-trash-action="empty"]');
    const mine = document.querySelector('[data-trash-action="empty"]');
    if (empty && !mine) document.querySelector(".topbar-actions")?.prepend(document.adoptNode(empty));
    if (!empty && mine) mine.remove();
    refreshTimes(root);
  } catch {
    /* the live badge shows the connection; the next event retries */
  }
}, 250);

if (root) {
  onLive((event) => {
    if (event.kind === "trash.changed" || event.kind === "resync") refresh();
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-trash-action]");
    if (!button) return;
    const row = button.closest(".trash-row");
    if (row) onRow(row, button.dataset.trashAction);
    else if (button.dataset.trashAction === "empty") emptyTrash();
  });
}
