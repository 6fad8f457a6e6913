// Activity: filters apply on change; new entries appear live on the first page.
import { fragment } from "./api.js";
import { onLive } from "./live.js";
import { debounce, refreshTimes } from "./ui.js";

const form = document.getElementById("activity-filters");
form?.addEventListener("change", (event) => {
  if (event.target.tagName === "SELECT") form.requestSubmit();
});

const reload = debounce(async () => {
  const list = document.getElementById("activity-list");
  if (!list || list.dataset.live !== "on") return;
  try {
    const doc = await fragment(window.location.pathname + window.location.search);
    const fresh = doc.getElementById("activity-list");
    if (!fresh) return;
    const known = new Set([...list.querySelectorAll("[data-entry]")].map((e) => e.dataset.entry));
    list.replaceWith(document.adoptNode(fresh));
    for (const item of fresh.querySelectorAll("[data-entry]"))
      if (!known.has(item.dataset.entry)) item.classList.add("flash");
    refreshTimes();
  } catch {
    /* the live indicator shows the connection; the next event retries */
  }
}, 400);

onLive((event) => {
  if (event.kind === "audit" || event.kind === "resync") reload();
});
