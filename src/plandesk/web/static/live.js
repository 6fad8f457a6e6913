// Live updates: one EventSource per page on /projects/{id}/events, reconnecting after a server restart.
// Handlers receive the core's events ({kind, project_id, ...}); after a reconnect they get {kind: "resync"}
// because events sent while the stream was down are gone and the page must re-read what it shows.

import { nextDelay } from "./text.js";

const handlers = new Set();
let source = null;
let lostConnection = false;
let attempt = 0;
let timer = null;
// After this many failed attempts in a row (or when the browser itself says it is offline) the badge says
// Offline rather than Reconnecting; retries go on every couple of seconds either way.
const OFFLINE_AFTER = 5;

const STATES = {
  live: ["Live", "Live: changes appear as they happen"],
  connecting: ["Connecting", "Live updates: connecting"],
  reconnecting: ["Reconnecting", "Reconnecting to the server…"],
  offline: ["Offline", "The server does not answer; retrying every few seconds"],
};

function indicator(state) {
  const el = document.getElementById("live");
  if (!el) return;
  el.dataset.state = state;
  const [text, title] = STATES[state] || STATES.connecting;
  el.title = title;
  const label = el.querySelector(".live-text");
  if (label) label.textContent = text;
  el.setAttribute("aria-label", title);
}

function emit(event) {
  for (const fn of handlers) {
    try {
      fn(event);
    } catch (err) {
      console.error("live update handler failed", err);
    }
  }
}

function retry(projectId) {
  source?.close();
  source = null;
  attempt += 1;
  indicator(attempt >= OFFLINE_AFTER || navigator.onLine === false ? "offline" : "reconnecting");
  clearTimeout(timer);
  timer = setTimeout(() => connect(projectId), nextDelay(attempt));
}

function connect(projectId) {
  source = new EventSource(`/projects/${encodeURIComponent(projectId)}/events`);
  source.onopen = () => {
    indicator("live");
    attempt = 0;
    if (lostConnection) {
      lostConnection = false;
      emit({ kind: "resync", project_id: projectId });
    }
  };
  source.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event.kind === "hello") return;
    emit(event);
  };
  // Our own short, capped backoff instead of the browser's (which can wait many seconds after a restart).
  source.onerror = () => {
    lostConnection = true;
    retry(projectId);
  };
}

window.addEventListener("online", () => {
  const projectId = document.body.dataset.project;
  if (!projectId) return;
  if (source && source.readyState === EventSource.OPEN) {
    indicator("live");
    return;
  } // the stream survived
  attempt = 0;
  clearTimeout(timer);
  source?.close();
  connect(projectId);
});
window.addEventListener("offline", () => {
  if (source) indicator("offline");
});

export function onLive(handler) {
  handlers.add(handler);
  const projectId = document.body.dataset.project;
  if (projectId && !source) connect(projectId);
  return () => handlers.delete(handler);
}

export function startLive() {
  const projectId = document.body.dataset.project;
  if (projectId && !source) connect(projectId);
}
