"""Blocks that `plandesk connect` owns inside files people also edit, fenced by start/end sentinel lines."""

from __future__ import annotations

from dataclasses import dataclass


class SentinelError(ValueError):
    """A file's sentinels are broken (a start without an end, or nested): we refuse to guess what to keep."""


@dataclass(frozen=True)
class Sentinels:
    start: str
    end: str

    def wrap(self, body: str) -> str:
        return f"{self.start}\n{body.rstrip()}\n{self.end}\n"


MARKDOWN = Sentinels("<!-- plandesk:start -->", "<!-- plandesk:end -->")
GITIGNORE = Sentinels(
    "# plandesk:start (written by plandesk connect; plandesk disconnect removes it)", "# plandesk:end"
)


def _span(lines: list[str], marks: Sentinels, where: str) -> tuple[int, int] | None:
    """(start line, end line) of our block, or None; anything ambiguous is an error, never a guess."""
    # Compare on the first token only so a reworded comment after the marker still counts as ours.
    start_key, end_key = marks.start.split(" (")[0], marks.end
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(start_key)]
    ends = [i for i, line in enumerate(lines) if line.strip() == end_key]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SentinelError(
            f"{where}: the plandesk sentinel lines are unbalanced ({len(starts)} start, "
            f"{len(ends)} end); fix them by hand, then run the command again"
        )
    return starts[0], ends[0]


def upsert(text: str, marks: Sentinels, body: str, *, where: str) -> str:
    """Put `body` between our sentinels: replace the old block in place, or append one; keep everything else."""
    lines = text.splitlines()
    block = marks.wrap(body).splitlines()
    span = _span(lines, marks, where)
    if span is not None:
        lines[span[0] : span[1] + 1] = block
        return "\n".join(lines) + "\n"
    kept = text.rstrip("\n")
    return (kept + "\n\n" if kept else "") + "\n".join(block) + "\n"


def remove(text: str, marks: Sentinels, *, where: str) -> str:
    """Text without our block (and the blank line that separated it); hand edits stay as they were."""
    lines = text.splitlines()
    span = _span(lines, marks, where)
    if span is None:
        return text
    start, end = span
    del lines[start : end + 1]
    if (
        start > 0
        and start <= len(lines)
        and not lines[start - 1].strip()
        and (start == len(lines) or not lines[start].strip())
    ):
        del lines[start - 1]
    kept = "\n".join(lines).rstrip("\n")
    return kept + "\n" if kept.strip() else ""


def contains(text: str, marks: Sentinels, *, where: str) -> bool:
    return _span(text.splitlines(), marks, where) is not None
