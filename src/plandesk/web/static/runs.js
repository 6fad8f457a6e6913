// Agent runs: the timeline follows a running agent live; the list updates as runs start and end.
import { fragment, replaceParts } from "./api.js";
import { onLive } from "./live.js";
import { debounce, refreshTimes } from "./ui.js";

document.getElementById("run-status")?.addEventListener("change", (event) => {
  const url = new URL(window.location.href);
  if (event.target.value) url.searchParams.set("status", event.target.value);
  else url.searchParams.delete("status");
  window.location.href = url.pathname.replace(/\/runs\/[^/]+$/, "/runs") + url.search;
});

const reload = debounce(async () => {
  try {
    const doc = await fragment(window.location.pathname + window.location.search);
    const known = new Set([...document.querySelectorAll("[data-event]")].map((e) => e.dataset.event));
    const stick = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    replaceParts(doc, ["#run-list", "#run-detail"]);
    for (const item of document.querySelectorAll("[data-event]"))
      if (!known.has(item.dataset.event)) item.classList.add("flash");
    refreshTimes();
    if (stick) document.getElementById("events")?.lastElementChild?.scrollIntoView({ block: "nearest" });
  } catch {
    /* the live indicator shows the connection; the next event retries */
  }
}, 80);

onLive((event) => {
  const kind = event.kind || "";
  if (kind.startsWith("agent_run.") || kind === "resync") reload();
});
