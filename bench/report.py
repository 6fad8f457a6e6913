"""The benchmark table: one row per figure with its baseline and ratio, printed with Rich and saved as JSON."""

from __future__ import annotations

import json
import math
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


@dataclass
class Row:
    """One measured figure. `ratio` is figure / baseline: how many times the baseline's cost it takes."""

    area: str
    name: str
    figure: float | None = None
    unit: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    met: bool | None = None  # None: no goal, or not judged at this size
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.baseline or math.isnan(self.figure) or math.isnan(self.baseline):
            return None
        return self.figure / self.baseline

    @property
    def skipped(self) -> bool:
        return self.figure is None


def not_available(area: str, name: str, reason: str) -> Row:
    """A row for a part that has not landed (or failed): the one command still runs and says why."""
    return Row(area=area, name=name, note=f"n/a — {reason}")


def _number(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def render(rows: list[Row], meta: dict, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(
        title=f"Plan Desk benchmarks — {meta['backend']}{' (quick)' if meta['quick'] else ''}",
        caption="ratio = figure / baseline, both measured in this run",
        show_lines=False,
    )
    for column, justify in (
        ("area", "left"),
        ("figure", "left"),
        ("value", "right"),
        ("baseline", "left"),
        ("baseline value", "right"),
        ("ratio", "right"),
        ("goal", "left"),
        ("note", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")
    for r in rows:
        ratio = r.ratio
        goal = r.goal
        if r.goal and r.met is not None:
            goal = f"[green]✓ {r.goal}[/green]" if r.met else f"[red]✗ {r.goal}[/red]"
        table.add_row(
            r.area,
            r.name,
            _number(r.figure, r.unit),
            r.baseline_name,
            _number(r.baseline, r.unit) if r.baseline_name else "",
            f"{ratio:.2f}x" if ratio is not None else "",
            goal,
            r.note,
        )
    console.print(table)


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def write_json(rows: list[Row], meta: dict, path: Path = RESULTS_PATH) -> Path:
    payload = {
        "generated_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "platform": platform.platform(),
        **meta,
        "rows": [_clean({**asdict(r), "ratio": r.ratio}) for r in rows],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
