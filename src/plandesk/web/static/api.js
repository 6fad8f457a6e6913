// Talking to the REST API from pages: JSON in and out, the CSRF header on every write, problem+json errors.

import { ApiError, describe } from "./errors.js";

export { ApiError, describe };

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, { code: "network", message: "Plan Desk did not answer; is the server running?" });
  }
  // A delete answers 204 and names the trash item it made, so the page can offer Undo.
  if (response.status === 204) {
    const trashItem = response.headers.get("X-Trash-Item");
    return trashItem ? { trash_item: trashItem } : null;
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    /* an empty or non-JSON body */
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// An HTML fragment rendered by the server (cards, the drawer): parsed, not trusted as markup strings.
export async function fragment(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, { code: "network", message: "Plan Desk did not answer; is the server running?" });
  }
  if (!response.ok) throw new ApiError(response.status, { message: `Could not load (${response.status})` });
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  return doc;
}

// Put the parts of a page re-read with fragment() in place of the same parts of this page (a part missing
// from either side is left as it is), so a live update does not reload the whole page.
export function replaceParts(fresh, selectors) {
  for (const selector of selectors) {
    const next = fresh.querySelector(selector);
    const current = document.querySelector(selector);
    if (next && current) current.replaceWith(document.adoptNode(next));
  }
}
