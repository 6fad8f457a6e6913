"""The task record as output schemas describe it (claims, the next task): what a client branches on, and open,
so a new core field never breaks a client."""

from __future__ import annotations

from plandesk.core import vocab
from plandesk.mcp.schemas import record

TASK = record(
    {
        "label": {"type": "string"},
        "status": {"type": "string", "enum": list(vocab.TASK_STATUSES)},
        "version": {"type": "integer"},
    },
    required=("id", "status", "version"),
)
