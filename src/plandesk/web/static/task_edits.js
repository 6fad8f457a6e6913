// The page's writes to tasks (drawer, board moves) and its undo history.
// Writes go through one queue per task (edit_queue.js); every move or status change is remembered so that
// the toast's Undo button or Ctrl+Z can take it back.
import { api } from "./api.js";
import { createEditQueue } from "./edit_queue.js";
import { confirmAction, isTyping, toast } from "./ui.js";

export const taskEdits = createEditQueue((id, body) => api("PATCH", `/api/v1/tasks/${encodeURIComponent(id)}`, body));

const history = []; // newest last: {message, run}
const HISTORY_MAX = 50;

async function runUndo(entry) {
  const i = history.indexOf(entry);
  if (i >= 0) history.splice(i, 1);
  try {
    await entry.run();
  } catch (err) {
    toast(`Could not undo — ${err?.message || err}`, "error");
  }
}

// A change the person made: shown in a toast with Undo, and the target of the next Ctrl+Z.
export function changed(message, undo) {
  const entry = { message, run: undo };
  history.push(entry);
  if (history.length > HISTORY_MAX) history.shift();
  toast(message, "ok", { action: { label: "Undo", run: () => runUndo(entry) } });
}

export function undoLast() {
  const entry = history.pop();
  if (!entry) {
    toast("Nothing to undo on this page", "warn", { timeout: 1600 });
    return;
  }
  history.push(entry);
  runUndo(entry);
}

document.addEventListener("keydown", (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== "z") return;
  if (isTyping(event) || document.querySelector("dialog[open]")) return; // text fields keep their own undo
  event.preventDefault();
  undoLast();
});

const STARTED = { in_progress: "In Progress", done: "Done" };

// Moving a task whose prerequisites are unfinished to In Progress or Done asks first. `waiting` is what
// the server said the task waits on (the core's answer, "A|B" with an optional "+N" tail). A workspace that
// refuses such moves (Settings → Tasks) asks nothing: the server's refusal is the answer (refusedBlocked).
export async function confirmUnfinished(waiting, title, status) {
  if (!waiting || !STARTED[status]) return true;
  if (document.body.dataset.refuseBlocked === "yes") return true;
  const names = waiting.split("|").filter(Boolean);
  const more = names.length && names[names.length - 1].startsWith("+") ? names.pop() : null;
  const list = names.map((n) => `“${n}”`).join(", ") + (more ? ` and ${more.slice(1)} more` : "");
  return confirmAction({
    title: `Move to ${STARTED[status]} before its prerequisites are done?`,
    body: `“${title}” waits on ${list}, not done yet.`,
    confirmLabel: `Move to ${STARTED[status]}`,
    danger: false,
  });
}

// The core refused the move because the task waits on unfinished prerequisites (not an edit conflict).
export function refusedBlocked(err) {
  return err?.status === 409 && err.body?.reason === "blocked";
}
