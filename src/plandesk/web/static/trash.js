// The trash: restoring a deleted task, document or note (the Undo of a delete toast, and the Trash page).
import { api, describe } from "./api.js";
import { confirmAction, h, toast } from "./ui.js";

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
};

const root = document.getElementById("trash");

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

if (root) {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-trash-action]");
    if (!button) return;
    const row = button.closest(".trash-row");
    if (row) onRow(row, button.dataset.trashAction);
    else if (button.dataset.trashAction === "empty") emptyTrash();
  });
}
