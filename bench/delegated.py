"""Rows measured by the parts' own benchmark modules: the board page (web) and code_search (connector)."""

from __future__ import annotations

import importlib

from bench.context import Context
from bench.report import Row, not_available

BOARD_GOAL_MS = 300.0


def _module(name: str):
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return None
        raise


def board(ctx: Context) -> list[Row]:
    name = "board render, 2,000 tasks (server time) p50"
    module = _module("board_render")
    if module is None or not hasattr(module, "measure"):
        return [not_available("board", name, "bench/board_render.py (web UI) has not landed")]
    n = ctx.pick(2000, 400)
    out = module.measure(n_tasks=n, rounds=ctx.pick(15, 5))
    board_, trivial = out["board_server"], out["trivial_server"]
    return [
        Row(
            "board",
            f"board render, {n:,} tasks (server time) p50",
            board_["p50"],
            "ms",
            trivial["p50"],
            "home page, same app and run",
            note=f"{out['board_bytes'] / 1e6:.1f} MB of HTML",
            extra=out,
        ),
        Row(
            "board",
            f"board render, {n:,} tasks (server time) p95",
            board_["p95"],
            "ms",
            trivial["p95"],
            "home page p95",
            goal=f"< {BOARD_GOAL_MS:.0f} ms" + (" (at 2,000)" if ctx.quick else ""),
            met=(board_["p95"] < BOARD_GOAL_MS) if not ctx.quick else None,
        ),
    ]


def code_search(ctx: Context) -> list[Row]:
    module = _module("code_search")
    if module is None or not hasattr(module, "measure"):
        return [
            not_available(
                "code_search",
                "code_search over 50,000 files",
                "bench/code_search.py (code connector) has not landed",
            )
        ]
    n = ctx.pick(50_000, 2_000)
    out = module.measure(n_files=n, repeat=ctx.pick(3, 1))
    return [
        Row(
            "code_search",
            f"code_search grep over {n:,} files",
            out["code_search_s"] * 1000,
            "ms",
            out["grep_r_s"] * 1000,
            "grep -rE on the same tree",
            note=f"{out['matches']} matching files; best of {ctx.pick(3, 1)}",
            extra=out,
        )
    ]
