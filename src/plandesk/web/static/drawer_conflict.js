// The drawer's conflict panel: the person's unsaved values next to the ones someone else saved, with
// "Take theirs" and "Keep mine" (data-action buttons the drawer handles).
import { FIELD_NAMES, shownValue } from "./text.js";
import { h } from "./ui.js";

// rows: [{field, mine, theirs}] from edit_queue.conflictRows.
export function conflictPanel(rows) {
  return h(
    "div",
    { class: "conflict", id: "conflict", role: "alert" },
    h("p", {
      class: "conflict-title",
      text: "Someone else changed this task while you were editing. Your changes are not saved yet.",
    }),
    h(
      "dl",
      { class: "conflict-rows" },
      rows.flatMap((r) => [
        h("dt", { text: FIELD_NAMES[r.field] || r.field }),
        h(
          "dd",
          {},
          h("span", { class: "conflict-mine" }, "Yours: ", h("strong", { text: shownValue(r.field, r.mine) })),
          h("span", { class: "conflict-theirs" }, "Theirs: ", h("strong", { text: shownValue(r.field, r.theirs) })),
        ),
      ]),
    ),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", class: "btn", "data-action": "take-theirs", text: "Take theirs" }),
      h("button", { type: "button", class: "btn btn-primary", "data-action": "keep-mine", text: "Keep mine" }),
    ),
  );
}
