// Goals: create a contract, make one current, pause/resume, and complete with evidence that matches it.
import { api, describe } from "./api.js";
import { onLive } from "./live.js";
import { confirmAction, debounce, flashNext, h, toast } from "./ui.js";

const root = document.getElementById("goals");
const projectId = root.dataset.project;
const form = document.getElementById("goal-form");

function showSurfaceFields() {
  const kind = form.elements.surface.value;
  for (const el of form.querySelectorAll("[data-surface-field]")) el.hidden = el.dataset.surfaceField !== kind;
}

async function createGoal() {
  const f = form.elements;
  const body = { objective: f.objective.value.trim() };
  if (f.name.value.trim()) body.name = f.name.value.trim();
  for (const key of ["constraints", "stop_condition"]) if (f[key].value.trim()) body[key] = f[key].value.trim();
  const kind = f.surface.value;
  if (kind === "gate_command") body.verification_surface = { kind, command: f.command.value.trim() };
  if (kind === "acceptance_checklist")
    body.verification_surface = {
      kind,
      items: f.items.value
        .split("\n")
        .map((s) => s.trim())
        .filter(Boolean),
    };
  if (kind === "human_sign_off")
    body.verification_surface = f.approver.value.trim() ? { kind, approver: f.approver.value.trim() } : { kind };
  try {
    const goal = await api("POST", `/api/v1/projects/${projectId}/goals`, body);
    flashNext(`Goal “${goal.name || "Goal"}” created`);
    window.location.reload();
  } catch (err) {
    toast(`Goal not created — ${describe(err)}`, "error");
  }
}

function evidenceForm(card) {
  const box = card.querySelector("form.evidence");
  const kind = card.dataset.surface;
  const fields = [];
  if (kind === "gate_command") {
    fields.push(
      h(
        "label",
        { class: "field" },
        h("span", { text: "Exit code of the gate" }),
        h("input", { name: "exit_code", type: "number", required: true, value: "0" }),
      ),
    );
  } else if (kind === "acceptance_checklist") {
    for (const item of JSON.parse(card.dataset.items || "[]")) {
      fields.push(
        h(
          "label",
          { class: "field criterion" },
          h("span", { text: item.criterion }),
          h(
            "select",
            { name: `item:${item.id}` },
            h("option", { value: "", text: "Not checked" }),
            h("option", { value: "passed", text: "Passed" }),
            h("option", { value: "failed", text: "Failed" }),
          ),
        ),
      );
    }
  } else if (kind === "human_sign_off") {
    fields.push(
      h(
        "label",
        { class: "field" },
        h("span", { text: "Approved by" }),
        h("input", { name: "approved_by", required: true, value: root.dataset.actor || "" }),
      ),
    );
    fields.push(
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "approved", checked: true }),
        h("span", { text: "Approved" }),
      ),
    );
  }
  fields.push(
    h(
      "label",
      { class: "field" },
      h("span", { text: "Detail (optional)" }),
      h("textarea", { name: "detail", rows: 2 }),
    ),
  );
  box.replaceChildren(
    h("h3", { text: "Evidence" }),
    ...fields,
    h("p", { class: "error-text small evidence-error", hidden: true }),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", class: "btn", "data-goal-action": "cancel-complete", text: "Cancel" }),
      h("button", { type: "submit", class: "btn btn-primary", text: "Complete goal" }),
    ),
  );
  box.hidden = false;
  box.querySelector("input, select, textarea")?.focus();
}

async function complete(card, box) {
  const kind = card.dataset.surface;
  const f = box.elements;
  let evidence = null;
  const detail = f.detail.value.trim();
  if (kind === "gate_command") evidence = { exit_code: Number(f.exit_code.value) };
  else if (kind === "acceptance_checklist") {
    evidence = { checked: [], failed: [] };
    for (const el of box.querySelectorAll("select[name^='item:']")) {
      const id = el.name.slice(5);
      if (el.value === "passed") evidence.checked.push(id);
      if (el.value === "failed") evidence.failed.push(id);
    }
  } else if (kind === "human_sign_off")
    evidence = { approved_by: f.approved_by.value.trim(), approved: f.approved.checked };
  if (detail) evidence = { ...(evidence || {}), detail };
  const error = box.querySelector(".evidence-error");
  try {
    const result = await api("POST", `/api/v1/goals/${card.dataset.goal}/complete`, evidence ? { evidence } : {});
    if (result.completed) flashNext("Goal complete: the evidence matched");
    else
      flashNext(
        `Verification failed: the goal is blocked${result.remediation_task ? ` and “${result.remediation_task.label}” is in Scope` : ""}`,
        "error",
      );
    window.location.reload();
  } catch (err) {
    const extra = err.body?.tasks
      ? ` Open: ${err.body.tasks.map((t) => t.label).join(", ")}.`
      : err.body?.unmet
        ? ` Unchecked: ${err.body.unmet.map((i) => i.criterion).join("; ")}.`
        : "";
    error.textContent = describe(err) + extra;
    error.hidden = false;
    toast(`Not completed — ${describe(err)}`, "error");
  }
}

// Into the trash: its tasks stay (without the goal); the next page's toast offers Undo.
async function deleteGoal(card, name) {
  const ok = await confirmAction({
    title: `Delete the goal “${name}”?`,
    body: "It goes to the trash for 30 days. Its tasks stay on the board without a goal until it is restored.",
    confirmLabel: "Delete",
  });
  if (!ok) return;
  try {
    const gone = await api("DELETE", `/api/v1/goals/${card.dataset.goal}`);
    const href = `/projects/${projectId}/goals`;
    flashNext(`Deleted “${name}”`, "ok", gone?.trash_item ? { trash: gone.trash_item, href } : null);
    window.location.reload();
  } catch (err) {
    toast(`Not deleted — ${describe(err)}`, "error");
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-goal-action]");
  if (!button) return;
  const action = button.dataset.goalAction;
  const card = button.closest("[data-goal]");
  if (action === "show-new") {
    form.hidden = false;
    form.elements.name.focus();
    return;
  }
  if (action === "hide-new") {
    form.hidden = true;
    return;
  }
  if (action === "complete") {
    evidenceForm(card);
    return;
  }
  if (action === "cancel-complete") {
    card.querySelector("form.evidence").hidden = true;
    return;
  }
  if (action === "delete") {
    deleteGoal(card, button.dataset.name);
    return;
  }
  const path = { "set-current": "set-current", pause: "pause", resume: "resume" }[action];
  if (!path) return;
  try {
    await api("POST", `/api/v1/goals/${card.dataset.goal}/${path}`);
    flashNext({ "set-current": "This is now the current goal", pause: "Goal paused", resume: "Goal resumed" }[action]);
    window.location.reload();
  } catch (err) {
    toast(describe(err), "error");
  }
});

form?.elements.surface.addEventListener("change", showSurfaceFields);
form?.addEventListener("submit", (event) => {
  event.preventDefault();
  createGoal();
});
document.addEventListener("submit", (event) => {
  if (event.target.matches("form.evidence")) {
    event.preventDefault();
    complete(event.target.closest("[data-goal]"), event.target);
  }
});

const reload = debounce(() => {
  if (document.querySelector("form.evidence:not([hidden])") || (form && !form.hidden)) return;
  window.location.reload();
}, 600);
onLive((event) => {
  if ((event.kind || "").startsWith("goal.")) reload();
});
