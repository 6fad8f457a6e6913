// The task drawer (?task=ID): edit fields in place, Markdown description with preview, comments, history.
import { api, describe, fragment } from "./api.js";
import { conflictPanel } from "./drawer_conflict.js";
import { conflictRows } from "./edit_queue.js";
import { changed, confirmUnfinished, refusedBlocked, taskEdits } from "./task_edits.js";
import { restoreFromTrash } from "./trash.js";
import { confirmAction, refreshTimes, toast } from "./ui.js";

const drawer = document.getElementById("drawer");
const projectId = document.body.dataset.project;
let lastFocus = null;

export function openTaskId() {
  return drawer && !drawer.hidden ? drawer.querySelector("#drawer-inner")?.dataset.task || null : null;
}

function inner() {
  return drawer.querySelector("#drawer-inner");
}

function setUrl(taskId, push) {
  const url = new URL(window.location.href);
  if (taskId) url.searchParams.set("task", taskId);
  else url.searchParams.delete("task");
  if (url.href !== window.location.href) history[push ? "pushState" : "replaceState"]({}, "", url);
}

function announceChange(task) {
  document.dispatchEvent(new CustomEvent("plandesk:task-changed", { detail: task }));
}

export async function openDrawer(taskId, { push = true, focus = true } = {}) {
  if (!drawer) return;
  if (focus) lastFocus = document.activeElement;
  conflict = null;
  drawer.hidden = false;
  drawer.setAttribute("aria-busy", "true");
  if (!inner() || inner().dataset.task !== taskId) {
    drawer.replaceChildren(
      Object.assign(document.createElement("div"), { className: "drawer-loading", textContent: "Loading…" }),
    );
  }
  try {
    const doc = await fragment(`/projects/${projectId}/board/drawer/${encodeURIComponent(taskId)}`);
    const fresh = doc.getElementById("drawer-inner");
    if (!fresh) throw new Error("The task could not be shown");
    drawer.replaceChildren(document.adoptNode(fresh));
    refreshTimes(drawer);
    setUrl(taskId, push);
    if (focus) inner().querySelector(".title-input")?.focus({ preventScroll: true });
  } catch (err) {
    drawer.hidden = true;
    setUrl(null, false);
    toast(err.status === 404 ? "That task no longer exists" : describe(err), "error");
  } finally {
    drawer.removeAttribute("aria-busy");
  }
}

export function closeDrawer({ push = true } = {}) {
  if (!drawer || drawer.hidden) return;
  drawer.hidden = true;
  setUrl(null, push);
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
}

function fieldValue(el) {
  const field = el.dataset.field;
  const raw = el.value;
  if (field === "tags")
    return raw
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
  if (["priority", "assignee", "due_date"].includes(field)) return raw.trim() === "" ? null : raw.trim();
  if (field === "label") return raw.replace(/\s*\n\s*/g, " ").trim();
  return raw;
}

function saveState(text) {
  const el = drawer.querySelector("#save-state");
  if (el) el.textContent = text;
}

// Unsaved values that met someone else's change: {taskId, mine: {field: value}, theirs: task}.
let conflict = null;

async function patch(fields) {
  const box = inner();
  const taskId = box.dataset.task;
  saveState("Saving…");
  try {
    const task = await taskEdits.enqueue(taskId, fields, Number(box.dataset.version));
    if (inner()?.dataset.task === taskId) {
      inner().dataset.version = String(Math.max(Number(inner().dataset.version), task.version));
      if (!taskEdits.pending(taskId)) saveState("Saved");
    }
    announceChange(task);
    return task;
  } catch (err) {
    saveState("");
    if (err.status === 409 && !refusedBlocked(err)) await showConflict(taskId, fields);
    else toast(`Not saved — ${describe(err)}`, "error");
    throw err;
  }
}

// Someone else changed the task: keep the person's values on screen and let them choose.
async function showConflict(taskId, fields) {
  let theirs;
  try {
    theirs = await api("GET", `/api/v1/tasks/${encodeURIComponent(taskId)}`);
  } catch (err) {
    toast(`Not saved — ${describe(err)}`, "error");
    return;
  }
  if (!conflict || conflict.taskId !== taskId) conflict = { taskId, mine: {} };
  Object.assign(conflict.mine, fields);
  conflict.theirs = theirs;
  const rows = conflictRows(conflict.mine, theirs);
  const box = inner();
  if (!box || box.dataset.task !== taskId) return;
  box.querySelector("#conflict")?.remove();
  if (!rows.length) {
    conflict = null;
    taskEdits.seen(taskId, theirs.version);
    box.dataset.version = String(theirs.version);
    return;
  }
  const panel = conflictPanel(rows);
  box.querySelector(".drawer-body").prepend(panel);
  saveState("Not saved — see above");
}

async function resolveConflict(keepMine) {
  const c = conflict;
  conflict = null;
  if (!c) return;
  taskEdits.seen(c.taskId, c.theirs.version);
  const box = inner();
  if (box) box.dataset.version = String(c.theirs.version);
  if (keepMine) {
    try {
      await patch(c.mine);
      toast("Your changes are saved");
    } catch {
      return; /* a new conflict shows its own panel */
    }
  }
  await openDrawer(c.taskId, { push: false, focus: false });
}

function resetInput(el) {
  if (el.tagName === "SELECT") {
    for (const opt of el.options) opt.selected = opt.defaultSelected;
  } else el.value = el.defaultValue;
}

function acceptInput(el) {
  if (el.tagName === "SELECT") {
    for (const opt of el.options) opt.defaultSelected = opt.selected;
  } else el.defaultValue = el.value;
}

async function onFieldChange(el) {
  const field = el.dataset.field;
  if (!field || field === "description") return;
  const value = fieldValue(el);
  if (field === "label" && !value) {
    toast("A task needs a title", "error");
    el.value = el.defaultValue;
    return;
  }
  const before = el.tagName === "SELECT" ? [...el.options].find((o) => o.defaultSelected)?.value : el.defaultValue;
  const taskId = inner().dataset.task;
  if (
    field === "status" &&
    !(await confirmUnfinished(inner().dataset.waiting, inner().querySelector(".title-input").value, value))
  ) {
    resetInput(el);
    return;
  }
  acceptInput(el);
  try {
    await patch({ [field]: value });
    if (field === "status") {
      const name = el.options[el.selectedIndex].text;
      changed(`Status: ${name}`, async () => {
        await taskEdits.enqueue(taskId, { status: before }, 0);
        toast(`Status back to ${shownValue("status", before)}`, "ok", { timeout: 1600 });
        if (openTaskId() === taskId) await openDrawer(taskId, { push: false, focus: false });
      });
    }
  } catch (err) {
    // A conflict keeps the person's value on screen (the panel offers keep mine / take theirs).
    if (err.status !== 409 || refusedBlocked(err)) resetInput(el);
  }
}

async function preview(text, target) {
  target.replaceChildren(Object.assign(document.createElement("p"), { className: "muted", textContent: "Rendering…" }));
  try {
    const out = await api("POST", "/ui/preview", { text });
    // The server rendered and sanitised this HTML (the same path as saved descriptions).
    target.innerHTML = out.html || '<p class="muted">Nothing to preview.</p>';
  } catch (err) {
    target.textContent = `Preview failed: ${describe(err)}`;
  }
}

function editorTabs(tab) {
  const box = inner();
  const writing = tab === "write";
  box.querySelector("#desc-input").hidden = !writing;
  box.querySelector("#desc-preview").hidden = writing;
  for (const b of box.querySelectorAll("[data-md-tab]"))
    b.setAttribute("aria-selected", String(b.dataset.mdTab === tab));
  if (!writing) preview(box.querySelector("#desc-input").value, box.querySelector("#desc-preview"));
}

async function commentAction(action, el) {
  const box = inner();
  if (action === "resolve-comment") {
    await api("PATCH", `/api/v1/comments/${el.dataset.comment}`, { resolved: true });
    toast("Comment resolved");
  }
  await openDrawer(box.dataset.task, { push: false, focus: false });
}

async function onAction(action, el) {
  const box = inner();
  if (!box) return;
  const taskId = box.dataset.task;
  if (action === "edit-description") {
    box.querySelector("#desc-view").hidden = true;
    box.querySelector("#desc-editor").hidden = false;
    editorTabs("write");
    box.querySelector("#desc-input").focus();
  } else if (action === "cancel-description") {
    box.querySelector("#desc-input").value = box.querySelector("#desc-input").defaultValue;
    box.querySelector("#desc-editor").hidden = true;
    box.querySelector("#desc-view").hidden = false;
  } else if (action === "save-description") {
    try {
      await patch({ description: box.querySelector("#desc-input").value });
      toast("Description saved");
      await openDrawer(taskId, { push: false, focus: false });
    } catch {
      /* patch() told the person */
    }
  } else if (action === "delete-task") {
    const title = box.querySelector(".title-input").value;
    if (
      !(await confirmAction({
        title: "Delete this task?",
        body: `“${title}” moves to the project's Trash with its links and comments, restorable for 30 days.`,
        confirmLabel: "Delete task",
      }))
    )
      return;
    try {
      const gone = await api("DELETE", `/api/v1/tasks/${taskId}`);
      document.dispatchEvent(new CustomEvent("plandesk:task-deleted", { detail: { id: taskId } }));
      closeDrawer();
      const undo = async () => {
        await restoreFromTrash(gone.trash_item);
        document.dispatchEvent(new CustomEvent("plandesk:task-changed", { detail: { id: taskId } }));
      };
      if (gone?.trash_item) changed(`Deleted “${title}”`, undo);
      else toast("Task deleted");
    } catch (err) {
      toast(`Not deleted — ${describe(err)}`, "error");
    }
  } else if (action === "restore-revision") {
    if (
      !(await confirmAction({
        title: "Restore this version?",
        body: "The task's fields go back to how they were before this change. The current state stays in the history.",
        confirmLabel: "Restore",
        danger: false,
      }))
    )
      return;
    try {
      await api("POST", `/api/v1/revisions/${el.dataset.revision}/restore`);
      toast("Version restored");
      await openDrawer(taskId, { push: false, focus: false });
    } catch (err) {
      toast(`Not restored — ${describe(err)}`, "error");
    }
  } else if (action === "keep-mine" || action === "take-theirs") {
    await resolveConflict(action === "keep-mine");
  } else if (action === "resolve-comment") {
    try {
      await commentAction(action, el);
    } catch (err) {
      toast(describe(err), "error");
    }
  }
}

async function addComment(form) {
  const box = inner();
  const body = form.querySelector("textarea").value.trim();
  if (!body) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api("POST", `/api/v1/tasks/${box.dataset.task}/comments`, { body });
    toast("Comment added");
    await openDrawer(box.dataset.task, { push: false, focus: false });
  } catch (err) {
    toast(`Comment not added — ${describe(err)}`, "error");
  } finally {
    button.disabled = false;
  }
}

// A change made elsewhere (an agent, another tab) to the open task: reload it unless the person is typing.
export function taskChangedElsewhere(taskId, version) {
  const box = inner();
  if (!box || drawer.hidden || box.dataset.task !== taskId) return;
  if (version !== undefined && Number(box.dataset.version) >= Number(version)) return;
  // Our own writes still on their way: the event is one of them; an open conflict waits for the person.
  if (taskEdits.pending(taskId) || (conflict && conflict.taskId === taskId)) return;
  const active = document.activeElement;
  const editing =
    drawer.contains(active) && ["INPUT", "TEXTAREA"].includes(active.tagName) && active.value !== active.defaultValue;
  if (editing || !box.querySelector("#desc-editor")?.hidden) {
    saveState("Changed elsewhere — save or reload");
    return;
  }
  openDrawer(taskId, { push: false, focus: false }).then(() => inner()?.classList.add("flash"));
}

if (drawer) {
  drawer.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("[data-field]") && el.dataset.field !== "label") onFieldChange(el);
  });
  drawer.addEventListener("focusout", (event) => {
    const el = event.target;
    if (el.matches(".title-input") && el.value !== el.defaultValue) onFieldChange(el);
  });
  drawer.addEventListener("keydown", (event) => {
    const el = event.target;
    if (el.matches(".title-input") && event.key === "Enter") {
      event.preventDefault();
      el.blur();
    }
    if (el.matches("#comment-body") && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      addComment(el.form);
    }
    if (event.key === "Escape") {
      if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) el.blur();
      else closeDrawer();
      event.stopPropagation();
    }
  });
  drawer.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-md-tab]");
    if (tab) {
      editorTabs(tab.dataset.mdTab);
      return;
    }
    const link = event.target.closest("[data-open-task]");
    if (link) {
      event.preventDefault();
      openDrawer(link.dataset.openTask);
      return;
    }
    const el = event.target.closest("[data-action]");
    if (!el) return;
    if (el.dataset.action === "close-drawer") {
      event.preventDefault();
      closeDrawer();
      return;
    }
    onAction(el.dataset.action, el);
  });
  drawer.addEventListener("submit", (event) => {
    if (event.target.id === "comment-form") {
      event.preventDefault();
      addComment(event.target);
    }
  });
  window.addEventListener("popstate", () => {
    const taskId = new URL(window.location.href).searchParams.get("task");
    if (taskId) openDrawer(taskId, { push: false });
    else closeDrawer({ push: false });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !drawer.hidden && !document.querySelector("dialog[open]")) closeDrawer();
  });
}
