// Code connector pages: the permission matrix, a project's connector settings, approvals, and the connection test.
import { api, describe } from "./api.js";
import { confirmAction, h, toast } from "./ui.js";

const byId = (id) => document.getElementById(id);

// Settings → Permissions: the checkbox grid becomes {matrix: {role: [ops]}, approval_required: [ops]}.
const matrixForm = byId("matrix-form");
if (matrixForm && matrixForm.dataset.canManage === "yes") {
  matrixForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const matrix = {};
    for (const box of matrixForm.querySelectorAll('input[name="matrix"]')) {
      const [role, op] = box.value.split(":");
      matrix[role] ??= [];
      if (box.checked) matrix[role].push(op);
    }
    delete matrix.owner; // the owner always keeps everything
    const approval_required = [...matrixForm.querySelectorAll('input[name="approval"]:checked')].map((b) => b.value);
    try {
      await api("PUT", "/api/v1/settings/permissions", { matrix, approval_required });
      toast("Permissions saved");
    } catch (err) {
      toast(`Could not save — ${describe(err)}`, "error");
    }
  });
}

// Approve or deny, on the list and on an approval's own page.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-decide]");
  if (!button) return;
  const decision = button.dataset.decide;
  const id = button.dataset.approvalId;
  if (
    decision === "deny" &&
    !(await confirmAction({
      title: "Deny this request?",
      body: "The agent's call will not run.",
      confirmLabel: "Deny",
    }))
  )
    return;
  button.disabled = true;
  try {
    const result = await api("POST", `/api/v1/approvals/${encodeURIComponent(id)}/${decision}`);
    toast(decision === "approve" ? "Approved: the agent may now repeat its call" : "Denied");
    const row = button.closest("[data-approval]");
    const status = row ? row.querySelector("[data-status]") : byId("approval-status");
    if (status) status.textContent = result.status;
    for (const b of (row || document).querySelectorAll(`[data-decide][data-approval-id="${id}"]`)) b.remove();
  } catch (err) {
    button.disabled = false;
    toast(`Could not ${decision} — ${describe(err)}`, "error");
  }
});

// A project's Code settings.
const codeForm = byId("code-form");
const codeRoot = byId("connector-project");
function addRow(kind) {
  const template = byId(`${kind}-template`);
  const row = template.content.firstElementChild.cloneNode(true);
  byId(`${kind}s`).append(row);
  row.querySelector("input")?.focus();
}
if (codeForm && codeRoot.dataset.canManage === "yes") {
  codeForm.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add]");
    if (add) addRow(add.dataset.add);
    const remove = event.target.closest("[data-remove]");
    if (remove) remove.closest(".row-card").remove();
  });
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (row, name) => row.querySelector(`[name="${name}"]`).value.trim();
    const recipes = [...codeForm.querySelectorAll('[data-row="recipe"]')].map((row) => ({
      name: value(row, "name"),
      kind: value(row, "kind"),
      argv: row
        .querySelector('[name="argv"]')
        .value.split("\n")
        .map((a) => a.replace(/\r$/, ""))
        .filter((a) => a !== ""),
      timeout_s: Number(value(row, "timeout_s")) || 600,
    }));
    const databases = [...codeForm.querySelectorAll('[data-row="database"]')].map((row) => {
      const out = { name: value(row, "name"), engine: value(row, "engine"), read_url: value(row, "read_url") };
      const write = value(row, "write_url");
      out.write_url = write || null;
      return out;
    });
    const body = {
      enabled: codeForm.elements.enabled.checked,
      code_root: codeForm.elements.code_root.value.trim() || null,
      recipes,
      databases,
      exec_allowlist: codeForm.elements.exec_allowlist.value.split(/[\s,]+/).filter(Boolean),
      exec_network: codeForm.elements.exec_network.checked,
    };
    try {
      await api("PUT", `/api/v1/projects/${codeRoot.dataset.project}/connector`, body);
      toast("Code connector settings saved");
    } catch (err) {
      toast(`Could not save — ${describe(err)}`, "error");
    }
  });
}

// Test a connection: a real MCP initialize and tools/list, run by the server with the pasted token.
const testForm = byId("test-form");
if (testForm) {
  testForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = byId("test-result");
    out.replaceChildren(h("p", { class: "muted", text: "Connecting…" }));
    const body = { token: testForm.elements.token.value.trim() };
    if (testForm.elements.project_id.value) body.project_id = testForm.elements.project_id.value;
    try {
      const result = await api("POST", "/api/v1/connector/test-connection", body);
      out.replaceChildren(
        h("p", { class: result.ok ? "ok-text" : "error-text", text: result.ok ? "Connection works." : result.problem }),
        h(
          "ul",
          { class: "checks" },
          ...result.checks.map((c) =>
            h(
              "li",
              { class: c.ok ? "check-ok" : "check-bad" },
              h("strong", { text: c.name }),
              document.createTextNode(` — ${c.detail}`),
            ),
          ),
        ),
      );
    } catch (err) {
      out.replaceChildren(h("p", { class: "error-text", text: describe(err) }));
    } finally {
      testForm.elements.token.value = ""; // the token is not kept on the page
    }
  });
}
