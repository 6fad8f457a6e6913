"""What every benchmark area is told: the backend, quick or full sizes, and where to say what it is doing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from rich.console import Console

T = TypeVar("T")


@dataclass
class Context:
    backend: str = "sqlite"
    quick: bool = False
    workers: int = 1  # server worker processes for the live-server areas (PostgreSQL only above 1)
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def pick(self, full: T, quick: T) -> T:
        """The full-size figure's parameter, or the quick smoke run's."""
        return quick if self.quick else full

    def say(self, message: str) -> None:
        self.console.print(f"[dim]· {message}[/dim]", highlight=False)
