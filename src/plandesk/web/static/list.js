// The list view: filters apply as they change; live changes re-read the table.
import { fragment } from "./api.js";
import { onLive } from "./live.js";
import { debounce, refreshTimes } from "./ui.js";

const form = document.getElementById("list-filters");
form?.addEventListener("change", (event) => {
  if (event.target.name !== "q") form.requestSubmit();
});

const reload = debounce(async () => {
  try {
    const doc = await fragment(window.location.pathname + window.location.search);
    for (const id of ["task-table", "list-count"]) {
      const fresh = doc.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current) current.replaceWith(document.adoptNode(fresh));
    }
    refreshTimes();
  } catch {
    /* the live indicator shows the connection; the next event retries */
  }
}, 500);

onLive((event) => {
  if (event.kind === "resync" || (event.kind || "").startsWith("task.")) reload();
});
