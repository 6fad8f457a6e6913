// The list view: filters apply as they change; live changes re-read the table.
import { fragment, replaceParts } from "./api.js";
import { onLive } from "./live.js";
import { debounce, refreshTimes } from "./ui.js";

const form = document.getElementById("list-filters");
form?.addEventListener("change", (event) => {
  if (event.target.name !== "q") form.requestSubmit();
});

const reload = debounce(async () => {
  try {
    replaceParts(await fragment(window.location.pathname + window.location.search), ["#task-table", "#list-count"]);
    refreshTimes();
  } catch {
    /* the live indicator shows the connection; the next event retries */
  }
}, 500);

onLive((event) => {
  if (event.kind === "resync" || (event.kind || "").startsWith("task.")) reload();
});
