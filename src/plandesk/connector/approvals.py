"""What an approval is bound to: a SHA-256 digest of the call's arguments, and a summary a person can judge."""

from __future__ import annotations

import hashlib
import json


def args_digest(args: dict) -> str:
    """Canonical JSON of the arguments without approval_id: the same call gives the same digest."""
    payload = {k: v for k, v in args.items() if k != "approval_id"}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary_of(tool: str, operation: str, args: dict) -> str:
    """One readable line plus the exact arguments (shortened), shown on the approval page."""
    lead = {
        "code_deploy": f"Deploy with recipe {args.get('recipe')!r}",
        "code_build": f"Run recipes {args.get('recipes') or args.get('recipe')!r}",
        "code_git": f"git {args.get('action')} "
        + (
            f"to {args.get('remote') or 'origin'}, commit {args.get('_commit')}"
            if args.get("action") == "push"
            else ""
        ),
        "code_db": f"{'Write to' if args.get('write') else 'Query'} database {args.get('database')!r}",
        "code_exec": "Run " + " ".join(str(a) for a in (args.get("argv") or [])[:20]),
        "code_file": f"{args.get('action')} {args.get('path')!r}",
    }.get(tool, f"{tool} ({operation})")
    shown = {k: v for k, v in args.items() if k not in ("approval_id", "content", "_commit")}
    if "content" in args:
        shown["content"] = f"<{len(str(args['content']))} characters>"
    detail = json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str)
    return f"{lead.strip()}\n{detail[:1500]}"
