// Live updates: one EventSource per page on /projects/{id}/events, reconnecting after a server restart.
// Handlers receive the core's events ({kind, project_id, ...}); after a reconnect they get {kind: "resync"}
// because events sent while the stream was down are gone and the page must re-read what it shows.

const handlers = new Set();
let source = null;
let lostConnection = false;
let delay = 1000;

function indicator(state) {
  const el = document.getElementById("live");
  if (!el) return;
  el.dataset.state = state;
  el.title = { live: "Live: changes appear as they happen", reconnecting: "Reconnecting to the server…",
               connecting: "Live updates: connecting" }[state] || "";
}

function emit(event) {
  for (const fn of handlers) {
    try { fn(event); } catch (err) { console.error("live update handler failed", err); }
  }
}

function connect(projectId) {
  source = new EventSource(`/projects/${encodeURIComponent(projectId)}/events`);
  source.onopen = () => {
    indicator("live");
    delay = 1000;
    if (lostConnection) {
      lostConnection = false;
      emit({ kind: "resync", project_id: projectId });
    }
  };
  source.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch { return; }
    if (event.kind === "hello") return;
    emit(event);
  };
  source.onerror = () => {
    lostConnection = true;
    indicator("reconnecting");
    // The browser retries by itself while the stream is CONNECTING; once it gives up (CLOSED: an error
    // status during a restart), start again ourselves with a growing pause.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      source = null;
      setTimeout(() => connect(projectId), delay);
      delay = Math.min(delay * 2, 15000);
    }
  };
}

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
