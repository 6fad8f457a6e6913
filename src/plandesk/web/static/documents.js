// Documents and notes: create, edit with a live preview, links and backlinks, comments, history.
import { api, describe, fragment, replaceParts } from "./api.js";
import { onLive } from "./live.js";
import { confirmAction, debounce, flashNext, h, promptText, refreshTimes, toast } from "./ui.js";

const root = document.getElementById("docs");
const projectId = document.body.dataset.project;
const doc = document.getElementById("doc");
const kind = doc?.dataset.kind || root?.dataset.kind || "document";
const plural = kind === "note" ? "notes" : "documents";
let editing = false;
let dirty = false;

function pageOf(id) {
  return `/projects/${projectId}/${plural}/${id}`;
}

// ---- creating -----------------------------------------------------------------------------------
async function newItem() {
  const title = await promptText({
    title: kind === "note" ? "New note" : "New document",
    label: "Title",
    placeholder: kind === "note" ? "Working notes" : "Design: checkout flow",
    confirmLabel: "Create",
  });
  if (!title) return;
  try {
    const created = await api("POST", `/api/v1/projects/${projectId}/${plural}`, { title });
    flashNext(`Created “${created.title}”`);
    window.location.href = `${pageOf(created.id)}?edit=1`;
  } catch (err) {
    toast(`Not created — ${describe(err)}`, "error");
  }
}

async function newFolder() {
  const name = await promptText({ title: "New folder", label: "Name", placeholder: "Specs", confirmLabel: "Create" });
  if (!name) return;
  try {
    await api("POST", `/api/v1/projects/${projectId}/folders`, { name });
    flashNext(`Folder “${name}” created`);
    window.location.reload();
  } catch (err) {
    toast(`Folder not created — ${describe(err)}`, "error");
  }
}

// ---- editing ------------------------------------------------------------------------------------
const source = document.getElementById("doc-source");
const preview = document.getElementById("doc-preview");
const saveState = document.getElementById("doc-save-state");

const renderPreview = debounce(async () => {
  try {
    const out = await api("POST", "/ui/preview", { text: source.value });
    // Rendered and sanitised by the server, exactly as the saved body will be.
    preview.innerHTML = out.html || '<p class="muted">Nothing to preview.</p>';
  } catch (err) {
    preview.textContent = `Preview failed: ${describe(err)}`;
  }
}, 250);

function setEditing(on) {
  editing = on;
  document.getElementById("doc-body").hidden = on;
  document.getElementById("doc-editor").hidden = !on;
  document.getElementById("doc-edit-head").hidden = !on;
  doc.querySelector(".doc-view-head").hidden = on;
  const button = document.getElementById("edit-button");
  if (button) button.hidden = on;
  if (on) {
    renderPreview();
    source.focus();
  }
}

async function save() {
  const head = document.getElementById("doc-edit-head");
  const body = { title: head.elements.title.value.trim(), body: source.value, version: Number(doc.dataset.version) };
  if (head.elements.status_line) body.status_line = head.elements.status_line.value.trim() || null;
  if (head.elements.folder_id) body.folder_id = head.elements.folder_id.value || null;
  if (!body.title) {
    toast("A title is needed", "error");
    head.elements.title.focus();
    return;
  }
  saveState.textContent = "Saving…";
  try {
    await api("PATCH", `/api/v1/${plural}/${doc.dataset.doc}`, body);
    dirty = false;
    flashNext("Saved");
    window.location.href = pageOf(doc.dataset.doc);
  } catch (err) {
    saveState.textContent = "Not saved";
    toast(
      err.status === 409
        ? "Someone changed this meanwhile. Copy your text, reload, and apply it again."
        : `Not saved — ${describe(err)}`,
      "error",
    );
  }
}

async function cancel() {
  if (
    dirty &&
    !(await confirmAction({
      title: "Discard your changes?",
      body: "The text you typed since the last save is lost.",
      confirmLabel: "Discard",
    }))
  )
    return;
  dirty = false;
  window.location.href = pageOf(doc.dataset.doc);
}

async function remove() {
  const title = doc.querySelector(".doc-title")?.textContent || "this";
  if (
    !(await confirmAction({
      title: `Delete “${title}”?`,
      body:
        kind === "note"
          ? "The note and its comments move to the project's Trash, restorable for 30 days."
          : "The document, its links and comments move to the project's Trash, restorable for 30 days; the documents nested under it move up.",
      confirmLabel: "Delete",
    }))
  )
    return;
  try {
    const gone = await api("DELETE", `/api/v1/${plural}/${doc.dataset.doc}`);
    const href = `/projects/${projectId}/${plural}/${doc.dataset.doc}`;
    flashNext(`Deleted “${title}”`, "ok", gone?.trash_item ? { trash: gone.trash_item, href } : null);
    window.location.href = `/projects/${projectId}/${plural}`;
  } catch (err) {
    toast(`Not deleted — ${describe(err)}`, "error");
  }
}

// ---- links (documents only) -----------------------------------------------------------------------
async function setLinks(ids, message) {
  try {
    await api("PATCH", `/api/v1/documents/${doc.dataset.doc}`, { link_to: ids, version: Number(doc.dataset.version) });
    flashNext(message);
    window.location.reload();
  } catch (err) {
    toast(`Links not changed — ${describe(err)}`, "error");
  }
}

const linkInput = document.getElementById("link-search");
const linkResults = document.getElementById("link-results");
const searchLinks = debounce(async () => {
  const q = linkInput.value.trim();
  if (q.length < 2) {
    linkResults.hidden = true;
    return;
  }
  try {
    const found = await api(
      "GET",
      `/api/v1/search?q=${encodeURIComponent(q)}&project_id=${projectId}&kind=task&kind=document&limit=8`,
    );
    const results = found.results.filter((r) => r.id !== doc.dataset.doc);
    linkResults.replaceChildren(
      ...(results.length
        ? results.map((r) =>
            h(
              "li",
              {},
              h(
                "button",
                { type: "button", class: "link-result", "data-link": r.id },
                h("span", { class: `kind kind-${r.kind}`, text: r.kind }),
                h("span", { text: r.title }),
              ),
            ),
          )
        : [h("li", { class: "muted small", text: "No match" })]),
    );
    linkResults.hidden = false;
  } catch (err) {
    toast(describe(err), "error");
  }
}, 200);

// ---- comments and history ----------------------------------------------------------------------------
async function addComment(form) {
  const text = form.elements.body.value.trim();
  if (!text) return;
  try {
    await api("POST", `/api/v1/${form.dataset.commentForm}/comments`, { body: text });
    flashNext("Comment added");
    window.location.reload();
  } catch (err) {
    toast(`Comment not added — ${describe(err)}`, "error");
  }
}

// ---- wiring ------------------------------------------------------------------------------------------
document.addEventListener("click", async (event) => {
  const action = event.target.closest("[data-doc-action]")?.dataset.docAction;
  if (action === "new-document" || action === "new-note") newItem();
  else if (action === "new-folder") newFolder();
  else if (action === "edit") setEditing(true);
  else if (action === "save") save();
  else if (action === "cancel") cancel();
  else if (action === "delete") remove();
  const link = event.target.closest("[data-link]");
  if (link) {
    const ids = JSON.parse(doc.dataset.links || "[]");
    if (!ids.includes(link.dataset.link)) setLinks([...ids, link.dataset.link], "Link added");
  }
  const unlink = event.target.closest("[data-unlink]");
  if (unlink) {
    const ids = JSON.parse(doc.dataset.links || "[]").filter((i) => i !== unlink.dataset.unlink);
    if (
      await confirmAction({
        title: "Remove this link?",
        body: "The linked item stays; only the link goes.",
        confirmLabel: "Remove link",
      })
    )
      setLinks(ids, "Link removed");
  }
  const resolve = event.target.closest("[data-comment-resolve]");
  if (resolve) {
    try {
      await api("PATCH", `/api/v1/comments/${resolve.dataset.commentResolve}`, { resolved: true });
      flashNext("Comment resolved");
      window.location.reload();
    } catch (err) {
      toast(describe(err), "error");
    }
  }
  const restore = event.target.closest("[data-restore]");
  if (
    restore &&
    (await confirmAction({
      title: "Restore this version?",
      body: "The title, status line and body go back to how they were before this change. The current text stays in the history.",
      confirmLabel: "Restore",
      danger: false,
    }))
  ) {
    try {
      await api("POST", `/api/v1/revisions/${restore.dataset.restore}/restore`);
      flashNext("Version restored");
      window.location.reload();
    } catch (err) {
      toast(`Not restored — ${describe(err)}`, "error");
    }
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.commentForm) {
    event.preventDefault();
    addComment(form);
  }
  if (form.id === "link-picker" || form.id === "doc-edit-head") event.preventDefault();
});

document.addEventListener("keydown", (event) => {
  if (event.target.matches?.("#comment-body") && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    addComment(event.target.form);
    return;
  }
  if (!doc) return;
  if (editing && (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
    event.preventDefault();
    save();
  } else if (editing && event.key === "Escape" && !document.querySelector("dialog[open]")) {
    event.preventDefault();
    cancel();
  } else if (
    !editing &&
    event.key === "e" &&
    !event.target.closest("input, textarea, select") &&
    document.getElementById("edit-button")
  ) {
    event.preventDefault();
    setEditing(true);
  }
});

source?.addEventListener("input", () => {
  dirty = true;
  saveState.textContent = "Unsaved changes";
  renderPreview();
});
document.getElementById("doc-edit-head")?.addEventListener("input", () => {
  dirty = true;
  saveState.textContent = "Unsaved changes";
});
linkInput?.addEventListener("input", searchLinks);
window.addEventListener("beforeunload", (event) => {
  if (dirty) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// ---- live: someone (an agent) changed this page's item ---------------------------------------------
const reloadSide = debounce(async () => {
  try {
    replaceParts(await fragment(window.location.pathname), [".doc-side", ".doc-tree"]);
    refreshTimes();
  } catch {
    /* the live indicator shows the connection */
  }
}, 300);

onLive((event) => {
  const k = event.kind || "";
  const item = event.document || event.note || {};
  if (doc && (k === `${kind}.updated` || k === `${kind}.deleted`) && (item.id || event.id) === doc.dataset.doc) {
    if (editing) {
      saveState.textContent = "Changed elsewhere — saving now would be refused; copy your text and reload";
      return;
    }
    if (k.endsWith(".deleted")) {
      toast("This was deleted elsewhere", "warn");
      return;
    }
    window.location.reload();
  } else if (k.startsWith("comment.") || k.startsWith(`${kind}.`) || k.startsWith("folder.") || k === "resync") {
    if (!editing) reloadSide();
  }
});

if (doc && new URL(window.location.href).searchParams.get("edit") === "1") {
  setEditing(true);
  history.replaceState(history.state, "", window.location.pathname);
}
