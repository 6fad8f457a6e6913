// The workspace home: create a project.
import { api, describe } from "./api.js";
import { isTyping, toast } from "./ui.js";

const form = document.getElementById("new-project");

function show() {
  if (!form) return;
  form.hidden = false;
  form.elements.name.focus();
}

document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action]");
  if (!el) return;
  if (el.dataset.action === "new-project") {
    event.preventDefault();
    show();
  }
  if (el.dataset.action === "cancel-project") {
    form.hidden = true;
    form.reset();
  }
});

document.addEventListener("keydown", (event) => {
  if (
    event.key === "c" &&
    !isTyping(event) &&
    !event.ctrlKey &&
    !event.metaKey &&
    !document.querySelector("dialog[open]")
  ) {
    event.preventDefault();
    show();
  }
  if (event.key === "Escape" && form && !form.hidden) {
    form.hidden = true;
  }
});

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = form.elements.name.value.trim();
  const description = form.elements.description.value.trim();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const project = await api("POST", "/api/v1/projects", description ? { name, description } : { name });
    toast(`Created “${project.name}”`);
    window.location.href = `/projects/${project.id}/board`;
  } catch (err) {
    toast(`Project not created — ${describe(err)}`, "error");
    button.disabled = false;
  }
});
