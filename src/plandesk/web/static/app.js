// Loaded on every page: navigation, the palette shortcut, copy buttons, relative times, live status.
import { openPalette } from "./palette.js";
import { startLive } from "./live.js";
import { copyText, isTyping, refreshTimes, showFlash } from "./ui.js";

function setNav(open) {
  document.body.classList.toggle("nav-open", open);
  const scrim = document.querySelector(".scrim");
  if (scrim) scrim.hidden = !open;
  if (open) document.querySelector("#sidebar a, #sidebar button")?.focus();
}

document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action], [data-copy]");
  if (!el) return;
  if (el.dataset.copy !== undefined) {
    event.preventDefault();
    copyText(el.dataset.copy, el.dataset.copyWhat || "Copied");
    return;
  }
  const action = el.dataset.action;
  if (action === "palette") {
    event.preventDefault();
    openPalette();
  } else if (action === "open-nav") setNav(true);
  else if (action === "close-nav") setNav(false);
  else if (action === "theme") cycleTheme(el);
});

// System → Light → Dark, remembered in a cookie so that the server renders the next page in it (no flash).
const THEMES = ["system", "light", "dark"];
const THEME_NAMES = { system: "System", light: "Light", dark: "Dark" };

function cycleTheme(button) {
  const current = document.documentElement.dataset.theme || "system";
  const next = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
  document.documentElement.dataset.theme = next;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute("content", next === "system" ? "light dark" : next);
  document.cookie = `plandesk_theme=${next}; path=/; max-age=31536000; SameSite=Lax`;
  button.dataset.theme = next;
  button.textContent = THEME_NAMES[next];
}

function showShortcuts() {
  const dialog = document.getElementById("shortcuts");
  if (dialog && !dialog.open) dialog.showModal();
}

let pendingG = 0;
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
    event.preventDefault();
    openPalette();
    return;
  }
  if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
    setNav(false);
    return;
  }
  if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    event.preventDefault();
    openPalette();
    return;
  }
  if (event.key === "?" && !document.querySelector("dialog[open]")) {
    event.preventDefault();
    showShortcuts();
    return;
  }
  // g then a letter jumps between a project's views, as in most keyboard-first tools.
  const pid = document.body.dataset.project;
  if (event.key === "g") {
    pendingG = Date.now();
    return;
  }
  if (pid && Date.now() - pendingG < 1200) {
    const target = {
      o: "",
      b: "/board",
      l: "/list",
      f: "/flow",
      d: "/documents",
      n: "/notes",
      r: "/runs",
      a: "/activity",
    }[event.key];
    pendingG = 0;
    if (target !== undefined) window.location.href = `/projects/${pid}${target}`;
  }
});

showFlash();
refreshTimes();
setInterval(() => refreshTimes(), 60000);
startLive();
