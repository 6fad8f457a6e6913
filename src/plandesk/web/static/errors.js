// Errors from the REST API and how a page words them for people (DOM-free, unit-tested under Node).
import { FIELD_NAMES } from "./text.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `The server answered ${status}`);
    this.status = status;
    this.code = body?.code || "error";
    this.field = body?.field || null;
    this.body = body || {};
  }
}

// The message, prefixed by the field in the words the UI uses; internal names (to_id, goal_id…) are
// left out rather than shown.
export function describe(err) {
  if (err instanceof ApiError) {
    const name = err.field && FIELD_NAMES[err.field];
    return name && !err.message.toLowerCase().includes(name.toLowerCase()) ? `${name}: ${err.message}` : err.message;
  }
  return String(err?.message || err);
}
