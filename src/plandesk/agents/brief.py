"""The brief a runner hands its worker: the task, its spec (linked documents), and how the work is settled."""

from __future__ import annotations

import shlex
from typing import Any

from plandesk.client.errors import PlanDeskClientError

NEEDS_INPUT_FILE = ".plandesk/NEEDS_INPUT.md"
NEEDS_INPUT_EXIT = 3
MAX_DOCUMENTS = 8
MAX_DOCUMENT_CHARS = 20_000


async def linked_documents(client: Any, project_id: str, task_id: str) -> list[dict[str, Any]]:
    """Documents joined to the task by an edge in either direction: the task's spec."""
    try:
        listed = await client.call("list_edges", {"project_id": project_id})
    except PlanDeskClientError:  # a spec we cannot list is worth a note in the brief, not a lost task
        return []
    edges = listed.get("edges", []) if isinstance(listed, dict) else listed or []
    ids: list[str] = []
    for e in edges:
        if e.get("from_type") == "document" and e.get("to_type") == "task" and e.get("to_id") == task_id:
            ids.append(e["from_id"])
        elif e.get("to_type") == "document" and e.get("from_type") == "task" and e.get("from_id") == task_id:
            ids.append(e["to_id"])
    docs = []
    for doc_id in list(dict.fromkeys(ids))[:MAX_DOCUMENTS]:
        try:
            docs.append(await client.get_document(doc_id))
        except PlanDeskClientError:
            continue  # a document deleted meanwhile: the brief says what remains
    return docs


def render(
    task: dict[str, Any],
    docs: list[dict[str, Any]],
    *,
    gate: list[list[str]],
    branch: str,
    worktree: str,
    base_sha: str,
    agent_ref: str,
    run_id: str,
) -> str:
    lines = [
        f"# Task: {task.get('label', '')}",
        "",
        f"- task id: {task['id']} (project {task.get('project_id', '')})",
        f"- branch: {branch}, worktree {worktree}, based on {base_sha[:12]}",
        f"- agent_ref: {agent_ref}; agent run: {run_id}",
        "",
        "## What to do",
        "",
        (task.get("description") or "(no description)").rstrip(),
        "",
    ]
    lines += ["## Spec", ""]
    if not docs:
        lines += ["(no document is linked to this task)", ""]
    for doc in docs:
        body = doc.get("body") or ""
        if len(body) > MAX_DOCUMENT_CHARS:
            body = body[:MAX_DOCUMENT_CHARS] + "\n…(cut; read the whole document with get_document)"
        lines += [
            f"### {doc.get('title', '')} (document {doc.get('id', '')})",
            doc.get("status_line") or "",
            "",
            body.rstrip(),
            "",
        ]
    gate_text = "; ".join(shlex.join(argv) for argv in gate) or "none (your exit status decides)"
    lines += [
        "## How this is settled",
        "",
        f"- Exit 0 when the work is done. The runner then runs the gate in the worktree: {gate_text}.",
        "- Exit non-zero when it failed: the task goes back to todo with the end of your output as a comment.",
        (
            f"- Need a person's answer? Write the question to {NEEDS_INPUT_FILE} (or exit {NEEDS_INPUT_EXIT}): "
            "the task moves to scope with your question as a comment."
        ),
        "- Commit your work on this branch. The runner does not merge it.",
        "",
    ]
    return "\n".join(lines)


def comment(head: str, output_tail: str, *, branch: str | None, kept: str | None) -> str:
    parts = [head]
    if output_tail.strip():
        fence = "````" if "```" in output_tail else "```"
        parts += ["", "Output (end):", fence, output_tail.rstrip(), fence]
    if branch:
        parts += ["", f"Branch: {branch}" + (f"; worktree kept at {kept}" if kept else "")]
    return "\n".join(parts)
