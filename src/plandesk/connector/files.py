"""File tools: read with line ranges, write, create, str_replace of one exact match; every change returns a diff."""

from __future__ import annotations

import difflib
import errno
import os
import secrets
import stat

from plandesk.connector.paths import CodeRoot, PathEscape
from plandesk.core.errors import Conflict, InvalidArgument, NotFound

MAX_READ_BYTES = 2 * 1024 * 1024
MAX_WRITE_BYTES = 2 * 1024 * 1024
MAX_READ_LINES = 5000
MAX_DIFF_CHARS = 64 * 1024
BINARY_SNIFF = 8192


def _read_fd(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _line_number(field: str, value, minimum: int = 1) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{field} must be a whole number ≥ {minimum}", field=field)
    return value


def read_file(root: CodeRoot, path, *, start_line=None, end_line=None) -> dict:
    start = _line_number("start_line", start_line) or 1
    end = _line_number("end_line", end_line)
    if end is not None and end < start:
        raise InvalidArgument("end_line must not be before start_line", field="end_line")
    fd, rel, st = root.open_file(path)
    try:
        data = _read_fd(fd, MAX_READ_BYTES)
    finally:
        os.close(fd)
    truncated = len(data) > MAX_READ_BYTES
    data = data[:MAX_READ_BYTES]
    if b"\x00" in data[:BINARY_SNIFF]:
        return {
            "path": rel,
            "size": st.st_size,
            "binary": True,
            "content": None,
            "message": "binary file; its content is not shown",
        }
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    last = min(end if end is not None else len(lines), len(lines), start + MAX_READ_LINES - 1)
    chosen = lines[start - 1 : last]
    out = {
        "path": rel,
        "size": st.st_size,
        "binary": False,
        "content": "".join(chosen),
        "start_line": start,
        "end_line": start + len(chosen) - 1 if chosen else start - 1,
        "total_lines": len(lines),
        "truncated": truncated,
    }
    if last < (end if end is not None else len(lines)):
        out["next_start_line"] = last + 1
    if truncated:
        out["message"] = f"the file is larger than {MAX_READ_BYTES} bytes; only the start is shown"
    return out


def _diff(rel: str, old: str, new: str, *, created: bool = False) -> tuple[str, bool]:
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile="/dev/null" if created else f"a/{rel}",
            tofile=f"b/{rel}",
        )
    )
    if len(diff) > MAX_DIFF_CHARS:
        return diff[:MAX_DIFF_CHARS] + "\n… diff truncated …\n", True
    return diff, False


def _content(value, field: str = "content") -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string", field=field)
    if len(value.encode("utf-8", errors="surrogatepass")) > MAX_WRITE_BYTES:
        raise InvalidArgument(f"{field} is larger than {MAX_WRITE_BYTES} bytes", field=field)
    return value


check_content = _content  # checked before an approval is asked for, and again when writing


def _current(root: CodeRoot, loc) -> tuple[str, int]:
    """The present text and mode of an existing target, opened without following links."""
    try:
        fd = os.open(loc.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=loc.dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathEscape(root.field) from None  # became a link after the walk
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InvalidArgument(f"{loc.rel} is not a regular file", field=root.field)
        if st.st_nlink > 1:
            raise PathEscape(root.field)
        data = _read_fd(fd, MAX_WRITE_BYTES)
    finally:
        os.close(fd)
    if b"\x00" in data[:BINARY_SNIFF]:
        raise InvalidArgument(f"{loc.rel} is a binary file; it is not edited as text", field=root.field)
    return data.decode("utf-8", errors="surrogateescape"), stat.S_IMODE(st.st_mode)


def _replace_atomically(loc, text: str, mode: int) -> None:
    """Write a sibling temp file and rename it over the target: readers see the old or the new, never half."""
    tmp = f".{loc.name[:180]}.pd-{secrets.token_hex(6)}.tmp"
    fd = os.open(
        tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=loc.dir_fd
    )
    try:
        try:
            os.write(fd, text.encode("utf-8", errors="surrogateescape"))
            os.fsync(fd)
        finally:
            os.close(fd)
        # rename(2) replaces the name itself; a link planted at the target is replaced, never followed.
        os.replace(tmp, loc.name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=loc.dir_fd)
        except OSError:
            pass
        raise


def _create_new(root: CodeRoot, loc, text: str) -> None:
    try:
        fd = os.open(
            loc.name,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o644,
            dir_fd=loc.dir_fd,
        )
    except FileExistsError:
        raise Conflict(
            f"{loc.rel} already exists; use write to replace it or str_replace to edit it", field=root.field
        ) from None
    try:
        os.write(fd, text.encode("utf-8", errors="surrogateescape"))
    finally:
        os.close(fd)


def write_file(root: CodeRoot, path, content, *, create_only: bool = False) -> dict:
    text = _content(content)
    loc = root.parent_of(path, create_dirs=True)
    try:
        if loc.exists and create_only:
            raise Conflict(
                f"{loc.rel} already exists; use write to replace it or str_replace to edit it",
                field=root.field,
            )
        if loc.exists:
            old, mode = _current(root, loc)
            _replace_atomically(loc, text, mode)
        else:
            old = ""
            _create_new(root, loc, text)
        root.verify_inside(loc.dir_fd)
    finally:
        os.close(loc.dir_fd)
    diff, cut = _diff(loc.rel, old, text, created=not loc.exists)
    return {
        "path": loc.rel,
        "created": not loc.exists,
        "bytes": len(text.encode("utf-8", "surrogateescape")),
        "diff": diff,
        "diff_truncated": cut,
    }


def str_replace(root: CodeRoot, path, old_str, new_str) -> dict:
    old_str = _content(old_str, "old_str")
    new_str = _content(new_str, "new_str")
    if old_str == "":
        raise InvalidArgument("old_str must not be empty", field="old_str")
    loc = root.parent_of(path)
    try:
        if not loc.exists:
            raise NotFound("file", loc.rel, field=root.field)
        text, mode = _current(root, loc)
        count = text.count(old_str)
        if count == 0:
            raise InvalidArgument(
                f"old_str was not found in {loc.rel}; read the file and copy the text exactly",
                field="old_str",
            )
        if count > 1:
            raise InvalidArgument(
                f"old_str appears {count} times in {loc.rel}; include more surrounding lines "
                "so it matches once",
                field="old_str",
            )
        new_text = text.replace(old_str, new_str, 1)
        if len(new_text.encode("utf-8", "surrogateescape")) > MAX_WRITE_BYTES:
            raise InvalidArgument(f"the result would be larger than {MAX_WRITE_BYTES} bytes", field="new_str")
        _replace_atomically(loc, new_text, mode)
        root.verify_inside(loc.dir_fd)
    finally:
        os.close(loc.dir_fd)
    diff, cut = _diff(loc.rel, text, new_text)
    line = text[: text.index(old_str)].count("\n") + 1
    return {"path": loc.rel, "line": line, "diff": diff, "diff_truncated": cut}
