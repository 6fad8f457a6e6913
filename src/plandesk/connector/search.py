"""Code search: find files by glob and grep by regex with context; .gitignore-aware, capped, links never followed."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator

from plandesk.connector.ignore import Level, decide, glob_matcher, parse_rules
from plandesk.connector.paths import MAX_DEPTH, CodeRoot
from plandesk.core.errors import InvalidArgument

DEFAULT_RESULTS = 200
MAX_RESULTS = 2000
MAX_CONTEXT = 10
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINE_CHARS = 500
MAX_PATTERN = 1000
TIME_BUDGET_S = 20.0
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _read_small(name: str, dir_fd: int, limit: int) -> bytes | None:
    """Read a regular single-link file of at most `limit` bytes, or None."""
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1 or st.st_size > limit:
            return None
        return os.read(fd, st.st_size + 1) if st.st_size < (1 << 20) else _read_all(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_all(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total <= limit:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _root_levels(root: CodeRoot, base_rel: str) -> list[Level]:
    """Rules that apply above the search's starting directory: .git/info/exclude and ancestors' .gitignore."""
    levels: list[Level] = []
    fd = root.open_root()
    try:
        exclude = _read_nested(fd, [".git", "info"], "exclude")
        if exclude:
            levels.append(Level("", parse_rules(exclude.decode("utf-8", "replace"))))
    finally:
        os.close(fd)
    parts = base_rel.split("/") if base_rel else []
    for depth in range(len(parts)):
        prefix = "/".join(parts[:depth])
        fd = root.open_root()
        try:
            data = _read_nested(fd, parts[:depth], ".gitignore")
        finally:
            os.close(fd)
        if data:
            levels.append(Level(prefix, parse_rules(data.decode("utf-8", "replace"))))
    return levels


def _read_nested(root_fd: int, dirs: list[str], name: str) -> bytes | None:
    opened: list[int] = []
    try:
        cur = root_fd
        for d in dirs:
            cur = os.open(d, _DIR_FLAGS, dir_fd=cur)
            opened.append(cur)
        return _read_small(name, cur, MAX_FILE_BYTES)
    except OSError:
        return None
    finally:
        for fd in opened:
            os.close(fd)


def iter_files(root: CodeRoot, path, *, include_ignored: bool = False,
               deadline: float | None = None) -> Iterator[tuple[int, str, str]]:
    """Yield (directory fd, name, relative path) for every regular file under `path`, depth first, in name order.

    One flat loop over an explicit stack: a directory's descriptor stays open only while its subtree is walked,
    and every file passes through a single generator (a recursive `yield from` chain cost more than the I/O)."""
    fd, base_rel = root.open_dir(path)
    levels = [] if include_ignored else _root_levels(root, base_rel)
    stack: list[list] = [[fd, base_rel, levels, None, 0]]  # fd, rel, levels, subdirectories, next subdirectory
    try:
        while stack:
            top = stack[-1]
            if top[3] is None:
                top[2], top[3], found = _scan(top[0], top[1], top[2], include_ignored)
                for name, child in found:
                    yield top[0], name, child
                if deadline is not None and time.monotonic() > deadline:
                    return
            if top[4] < len(top[3]) and len(stack) <= MAX_DEPTH:
                name, child = top[3][top[4]]
                top[4] += 1
                try:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=top[0])
                except OSError:
                    continue  # swapped for a link, or gone: skip it rather than follow
                stack.append([sub, child, top[2], None, 0])
            else:
                os.close(stack.pop()[0])
    finally:
        for frame in stack:
            os.close(frame[0])


def _scan(fd: int, rel: str, levels: list[Level], include_ignored: bool
          ) -> tuple[list[Level], list[tuple[str, str]], list[tuple[str, str]]]:
    """One directory: its own .gitignore added to the rules, then (files, subdirectories) not ignored."""
    with os.scandir(fd) as it:
        entries = sorted(it, key=lambda e: e.name)
    if not include_ignored:
        for e in entries:
            if e.name == ".gitignore" and e.is_file(follow_symlinks=False):
                data = _read_small(".gitignore", fd, MAX_FILE_BYTES)
                if data:
                    levels = [*levels, Level(rel, parse_rules(data.decode("utf-8", "replace")))]
                break
    files: list[tuple[str, str]] = []
    subdirs: list[tuple[str, str]] = []
    prefix = f"{rel}/" if rel else ""
    for e in entries:
        if e.is_symlink():
            continue  # a link may point anywhere; search does not follow them
        name = e.name
        is_dir = e.is_dir(follow_symlinks=False)
        if is_dir and name.casefold() == ".git":
            continue
        child = prefix + name
        if levels and decide(levels, child, name, is_dir):
            continue
        if is_dir:
            subdirs.append((name, child))
        elif e.is_file(follow_symlinks=False):
            files.append((name, child))
    return levels, subdirs, files


def _limit(value, default: int, maximum: int, field: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidArgument(f"{field} must be a whole number from 0 to {maximum}", field=field)
    return value


def find_files(root: CodeRoot, glob: str, *, path=None, max_results=None, include_ignored: bool = False) -> dict:
    if not isinstance(glob, str) or not glob.strip() or len(glob) > MAX_PATTERN or "\x00" in glob:
        raise InvalidArgument("glob must be a pattern like **/*.py or src/*.ts", field="glob")
    cap = _limit(max_results, DEFAULT_RESULTS, MAX_RESULTS, "max_results") or DEFAULT_RESULTS
    match = glob_matcher(glob)
    deadline = time.monotonic() + TIME_BUDGET_S
    found: list[str] = []
    truncated = False
    for _fd, name, rel in iter_files(root, path, include_ignored=include_ignored, deadline=deadline):
        if match(rel, name):
            if len(found) >= cap:
                truncated = True
                break
            found.append(rel)
    timed_out = time.monotonic() > deadline
    return {"files": found, "count": len(found), "truncated": truncated or timed_out, "timed_out": timed_out}


def compile_query(query, *, literal: bool, case_insensitive: bool) -> re.Pattern:
    if not isinstance(query, str) or query == "" or len(query) > MAX_PATTERN or "\x00" in query:
        raise InvalidArgument(f"query must be a non-empty regular expression of at most {MAX_PATTERN} characters",
                              field="query")
    flags = re.MULTILINE | (re.IGNORECASE if case_insensitive else 0)
    source = re.escape(query) if literal else query
    try:
        return re.compile(source.encode("utf-8"), flags)
    except re.error as exc:
        raise InvalidArgument(f"query is not a valid regular expression: {exc}", field="query") from None


def _line(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:MAX_LINE_CHARS]


def grep(root: CodeRoot, query, *, path=None, glob=None, context_lines=None, case_insensitive: bool = False,
         literal: bool = False, max_results=None, include_ignored: bool = False) -> dict:
    rx = compile_query(query, literal=literal, case_insensitive=case_insensitive)
    context = _limit(context_lines, 2, MAX_CONTEXT, "context_lines")
    cap = _limit(max_results, DEFAULT_RESULTS, MAX_RESULTS, "max_results") or DEFAULT_RESULTS
    if glob is not None and (not isinstance(glob, str) or not glob.strip() or len(glob) > MAX_PATTERN):
        raise InvalidArgument("glob must be a pattern like **/*.py", field="glob")
    match = glob_matcher(glob) if glob else None
    # A plain word is found far faster with bytes.find than with the regex engine; the regex confirms.
    needle = query.encode("utf-8") if literal and not case_insensitive else None
    deadline = time.monotonic() + TIME_BUDGET_S
    results: list[dict] = []
    files_scanned = files_matched = 0
    truncated = False
    for fd, name, rel in iter_files(root, path, include_ignored=include_ignored, deadline=deadline):
        if match is not None and not match(rel, name):
            continue
        data = _read_small(name, fd, MAX_FILE_BYTES)
        if data is None:
            continue
        files_scanned += 1
        if needle is not None and needle not in data:
            continue
        first = rx.search(data)
        if first is None or b"\x00" in data[:8192]:
            continue
        files_matched += 1
        lines = data.split(b"\n")
        seen_line = -1
        line_no, pos = 0, 0
        for m in rx.finditer(data, first.start()):
            line_no += data.count(b"\n", pos, m.start())
            pos = m.start()
            if line_no == seen_line:
                continue
            seen_line = line_no
            if len(results) >= cap:
                truncated = True
                break
            results.append({"path": rel, "line": line_no + 1, "text": _line(lines[line_no]),
                            "before": [_line(x) for x in lines[max(0, line_no - context):line_no]],
                            "after": [_line(x) for x in lines[line_no + 1:line_no + 1 + context]]})
            if m.end() == m.start() and m.end() >= len(data):
                break
        if truncated or time.monotonic() > deadline:
            break
    timed_out = time.monotonic() > deadline
    return {"matches": results, "count": len(results), "files_scanned": files_scanned,
            "files_matched": files_matched, "truncated": truncated or timed_out, "timed_out": timed_out}
