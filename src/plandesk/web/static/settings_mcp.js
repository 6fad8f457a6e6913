// Settings → MCP: create a token (shown once, with ready-to-run client lines), revoke, rotate.
import { api, describe, fragment, replaceParts } from "./api.js";
import { confirmAction, copyText, h, refreshTimes, toast } from "./ui.js";

const root = document.getElementById("settings-mcp");
const origin = root.dataset.origin;
const form = document.getElementById("token-form");
const reveal = document.getElementById("reveal");

function snippets(token) {
  const url = `${origin}/mcp/`;
  const header = `Authorization: Bearer ${token}`;
  const json = JSON.stringify(
    { mcpServers: { plandesk: { type: "http", url, headers: { Authorization: `Bearer ${token}` } } } },
    null,
    2,
  );
  const list = [
    {
      id: "claude",
      title: "Claude Code",
      text: `claude mcp add --transport http plandesk ${url} --header "${header}"`,
    },
    { id: "codex", title: "Codex", text: `codex mcp add --transport http plandesk ${url} --header "${header}"` },
    { id: "mcp-json", title: ".mcp.json (project file)", text: json },
  ];
  if (root.dataset.urlToken === "on") {
    // Connector clients that take only a URL (no header field) put the token in the query string.
    list.push({
      id: "url",
      title: "Connector URL, for clients that only take a URL",
      text: `${url}?token=${token}`,
      note: "Prefer the header where the client allows it: URLs end up in logs and histories.",
    });
  } else {
    list.push({
      id: "url-off",
      title: "Connector URL",
      note: "This workspace does not accept tokens in URLs (?token=); an owner or admin can turn it on below.",
    });
  }
  return list.map((s) =>
    h(
      "div",
      { class: "snippet", "data-snippet": s.id },
      h(
        "div",
        { class: "snippet-head" },
        h("span", { class: "snippet-title", text: s.title }),
        s.text
          ? h("button", {
              type: "button",
              class: "btn btn-sm",
              text: "Copy",
              onclick: () => copyText(s.text, `${s.title} copied`),
            })
          : null,
      ),
      s.text ? h("pre", { class: "snippet-code" }, h("code", { text: s.text })) : null,
      s.note ? h("p", { class: "muted small", text: s.note }) : null,
    ),
  );
}

function show(result) {
  document.getElementById("reveal-name").textContent = result.name;
  document.getElementById("reveal-token").textContent = result.token;
  document.getElementById("snippets").replaceChildren(...snippets(result.token));
  reveal.hidden = false;
  reveal.scrollIntoView({ behavior: "smooth", block: "start" });
  reveal.focus({ preventScroll: true });
}

function forget() {
  // The value lives only in this page's memory; once dismissed it is gone for good.
  document.getElementById("reveal-token").textContent = "";
  document.getElementById("snippets").replaceChildren();
  reveal.hidden = true;
}

async function reloadList() {
  try {
    replaceParts(await fragment(window.location.pathname), ["#token-list", "#token-count"]);
    refreshTimes();
  } catch (err) {
    toast(`Could not refresh the list — ${describe(err)}`, "error");
  }
}

const operations = document.getElementById("token-operations");
const codeBox = form.querySelector('input[name="toolset"][value="code"]');

function syncOperations() {
  if (operations) operations.hidden = !codeBox.checked;
}
codeBox.addEventListener("change", syncOperations);

function checked(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { name: form.elements.name.value.trim(), read_only: form.elements.read_only.checked };
  const toolsets = checked("toolset");
  if (!toolsets.length) {
    toast("Choose at least one set of tools", "error");
    return;
  }
  body.toolsets = toolsets;
  if (toolsets.includes("code")) {
    body.operations = checked("operation");
    if (!body.operations.length) {
      toast("Choose at least one code operation", "error");
      return;
    }
  }
  if (form.elements.expires.value) body.expires = form.elements.expires.value;
  if (form.elements.project.value) body.project_ids = [form.elements.project.value];
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api("POST", "/api/v1/tokens", body);
    form.reset();
    syncOperations();
    show(result);
    toast(`Token “${result.name}” created — copy it now`);
    reloadList();
  } catch (err) {
    toast(`Token not created — ${describe(err)}`, "error");
  } finally {
    button.disabled = false;
  }
});

document.getElementById("reveal-done").addEventListener("click", forget);

reveal.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-field]");
  if (button) copyText(document.getElementById(button.dataset.copyField).textContent, button.dataset.copyWhat);
});

root.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-token-action]");
  if (!button) return;
  const row = button.closest("tr");
  const { token: id, name } = row.dataset;
  if (button.dataset.tokenAction === "revoke") {
    const ok = await confirmAction({
      title: `Revoke “${name}”?`,
      body: "Clients using it get 401 on their next call. This cannot be undone.",
      confirmLabel: "Revoke token",
    });
    if (!ok) return;
    try {
      await api("POST", `/api/v1/tokens/${id}/revoke`);
      toast(`Token “${name}” revoked`);
      reloadList();
    } catch (err) {
      toast(`Not revoked — ${describe(err)}`, "error");
    }
  } else if (button.dataset.tokenAction === "rotate") {
    const ok = await confirmAction({
      title: `Rotate “${name}”?`,
      body: "A new value replaces the old one at once; clients using the old value get 401 until you paste the new one.",
      confirmLabel: "Rotate token",
      danger: false,
    });
    if (!ok) return;
    try {
      const result = await api("POST", `/api/v1/tokens/${id}/rotate`);
      show(result);
      toast(`Token “${name}” rotated — copy the new value`);
      reloadList();
    } catch (err) {
      toast(`Not rotated — ${describe(err)}`, "error");
    }
  }
});

document.getElementById("allow-url-token")?.addEventListener("change", async (event) => {
  const box = event.target;
  try {
    const result = await api("PUT", "/api/v1/settings/mcp", { allow_url_token: box.checked });
    root.dataset.urlToken = result.allow_url_token ? "on" : "off";
    toast(result.allow_url_token ? "Tokens in URLs are accepted" : "Tokens in URLs are refused from now on");
  } catch (err) {
    box.checked = !box.checked;
    toast(`Not changed — ${describe(err)}`, "error");
  }
});
