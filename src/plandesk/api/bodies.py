"""How a route declares its answer: the core model (core/models.py) that the OpenAPI document shows.

`returns(Model)` makes FastAPI validate and serialize the answer with the model: fields the core left out of
this answer stay out (exclude_unset), and fields a model does not name yet pass through (models are open).
`describes(Model)` only documents it, for the agents' work loop (claims, the next task, one task), where
every request counts (bench/ measures claim-next throughput) and the answer is the core's dict as it is.
"""

from __future__ import annotations

from typing import Any


def returns(model: Any) -> dict[str, Any]:
    return {"response_model": model, "response_model_exclude_unset": True}


def describes(model: Any) -> dict[str, Any]:
    return {"responses": {200: {"model": model}}}
