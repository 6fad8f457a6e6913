// Small shared pieces of the interface: toasts, the confirmation dialog, element building, copy, times.
import { relativeTime } from "./text.js";

export { relativeTime };

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const MAX_TOASTS = 2;

// At most two toasts at once, newest last; the same message again refreshes the one shown instead of
// stacking a copy. `action` ({label, run}) adds a button such as Undo.
export function toast(message, kind = "ok", { timeout, action } = {}) {
  const box = document.getElementById("toasts");
  if (!box) return;
  for (const old of box.querySelectorAll(".toast")) {
    if (old.dataset.message === message && !action) {
      old.remove();
    }
  }
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", dataset: { message } },
    h("span", { class: "toast-icon", "aria-hidden": "true" }),
    h("span", { class: "toast-text", text: message }),
    action
      ? h("button", {
          class: "toast-action",
          type: "button",
          text: action.label,
          onclick: () => {
            item.remove();
            action.run();
          },
        })
      : null,
    h("button", {
      class: "toast-close",
      type: "button",
      "aria-label": "Dismiss",
      text: "×",
      onclick: () => item.remove(),
    }),
  );
  box.append(item);
  while (box.children.length > MAX_TOASTS) box.firstElementChild.remove();
  const ms = timeout ?? (action ? 6000 : kind === "error" ? 8000 : 3000);
  setTimeout(() => item.classList.add("leaving"), ms);
  setTimeout(() => item.remove(), ms + 250);
  return item;
}

// Resolves true when the person confirms; Esc or Cancel resolve false.
export function confirmAction({ title, body = "", confirmLabel = "Confirm", danger = true }) {
  const dialog = document.getElementById("confirm");
  if (!dialog) return Promise.resolve(window.confirm(title));
  dialog.querySelector("#confirm-title").textContent = title;
  dialog.querySelector("#confirm-body").textContent = body;
  const ok = dialog.querySelector("#confirm-ok");
  ok.textContent = confirmLabel;
  ok.className = danger ? "btn btn-danger" : "btn btn-primary";
  dialog.returnValue = "cancel";
  dialog.showModal();
  ok.focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// Resolves to the entered text, or null when cancelled.
export function promptText({ title, label = "", value = "", placeholder = "", confirmLabel = "OK" }) {
  const dialog = document.getElementById("prompt");
  const input = dialog.querySelector("#prompt-input");
  dialog.querySelector("#prompt-title").textContent = title;
  dialog.querySelector("#prompt-label").textContent = label;
  dialog.querySelector("#prompt-ok").textContent = confirmLabel;
  input.value = value;
  input.placeholder = placeholder;
  dialog.returnValue = "cancel";
  // Enter would submit with the first button (Cancel); it means OK here.
  input.onkeydown = (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      dialog.close("ok");
    }
  };
  dialog.showModal();
  input.focus();
  input.select();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const text = input.value.trim();
        resolve(dialog.returnValue === "ok" && text ? text : null);
      },
      { once: true },
    );
  });
}

// A message to show on the next page (after a navigation that follows a successful write). `undo`
// ({trash, href}) gives it an Undo that restores that trash item and then opens `href`.
export function flashNext(message, kind = "ok", undo = null) {
  try {
    sessionStorage.setItem("plandesk:flash", JSON.stringify({ message, kind, undo }));
  } catch {
    /* private mode */
  }
}

export function showFlash() {
  try {
    const raw = sessionStorage.getItem("plandesk:flash");
    if (!raw) return;
    sessionStorage.removeItem("plandesk:flash");
    const { message, kind, undo } = JSON.parse(raw);
    const run = async () => {
      const { restoreFromTrash } = await import("./trash.js"); // loaded only when someone undoes
      try {
        await restoreFromTrash(undo.trash);
        if (undo.href) window.location.href = undo.href;
      } catch (err) {
        toast(`Could not undo — ${err?.message || err}`, "error");
      }
    };
    toast(message, kind, undo?.trash ? { action: { label: "Undo", run } } : {});
  } catch {
    /* nothing to show */
  }
}

export async function copyText(text, what = "Copied") {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} to the clipboard`);
  } catch {
    // Clipboard access needs a secure context or permission; select the text so Ctrl+C works.
    toast("Copy is blocked here; the text is selected — press Ctrl+C", "warn");
    return false;
  }
  return true;
}

export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    const iso = el.getAttribute("datetime");
    const text = iso && relativeTime(iso);
    if (!text) continue;
    if (!el.title) el.title = el.textContent.trim();
    el.textContent = text;
  }
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function isTyping(event) {
  const t = event.target;
  return t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
}
