// Pure text helpers shared by pages (and unit-tested under Node): relative times, Markdown as plain text,
// the words people see for task fields.

const units = [
  ["y", 31536000],
  ["mo", 2592000],
  ["d", 86400],
  ["h", 3600],
  ["m", 60],
];

export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return null;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 45) return "just now";
  for (const [unit, size] of units) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${unit} ago`;
  }
  return "just now";
}

// The task fields under the names the drawer shows.
export const FIELD_NAMES = {
  label: "Title",
  status: "Status",
  priority: "Priority",
  kind: "Kind",
  assignee: "Assignee",
  due_date: "Due date",
  tags: "Tags",
  description: "Description",
  goal_id: "Goal",
  x: "Position",
  y: "Position",
};

export const STATUS_NAMES = {
  scope: "Scope",
  todo: "Todo",
  in_progress: "In Progress",
  done: "Done",
  backlog: "Backlog",
};

export function shownValue(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  if (field === "status") return STATUS_NAMES[value] || String(value);
  return String(value);
}

// Markdown source as one line of plain text (card excerpts, palette results): no **, #, links' URLs.
export function plainText(markdown) {
  return String(markdown ?? "")
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/(\*\*|__|\*|_|~~|`)(\S(?:.*?\S)?)\1/g, "$2")
    .replace(/\s+/g, " ")
    .trim();
}

// Reconnect pauses: 250 ms, 500 ms, 1 s, then every 2 s, so a restarted server is found again within ~2 s.
export function nextDelay(attempt) {
  return Math.min(2000, 250 * 2 ** Math.max(0, attempt - 1));
}

// Emphasis and heading marks out of a search excerpt (its [ ] mark the matches and stay).
export function stripMarks(text) {
  return String(text ?? "")
    .replace(/\*\*|__|`+|~~/g, "")
    .replace(/(^|\n)\s{0,3}#{1,6}\s+/g, "$1")
    .replace(/(^|\s)[*_](\S)/g, "$1$2");
}
