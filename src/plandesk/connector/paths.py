"""Containment: resolve a path under the code root one component at a time, never letting the kernel follow a link.

Every component is opened relative to the directory descriptor above it with O_NOFOLLOW, so a directory
swapped for a symlink between our check and our use makes the open fail instead of leaving the root. A
symlink we meet is read and resolved by us, and refused if its target leaves the root. After the final
open the descriptor's real path (/proc/self/fd) and its device and inode are checked once more.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass

from plandesk.core.errors import Forbidden, InvalidArgument, NotFound

MAX_PATH_BYTES = 4096
MAX_COMPONENT_BYTES = 255
MAX_DEPTH = 256
MAX_LINK_HOPS = 40
ESCAPE_MESSAGE = "the path is outside the project's code root"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class PathEscape(Forbidden):
    """One uniform refusal for every way of leaving the root, so the error teaches an attacker nothing."""

    def __init__(self, field: str = "path"):
        super().__init__(ESCAPE_MESSAGE, field=field, permission="code_root")


@dataclass
class Opened:
    """A resolved location: the descriptor of its directory, the final name, and the canonical relative path."""

    dir_fd: int
    name: str
    rel: str
    exists: bool
    st: os.stat_result | None = None


def _is_git_part(part: str) -> bool:
    return part.casefold() == ".git"


class CodeRoot:
    def __init__(self, path: str, *, field: str = "path", deny_git: bool = True):
        if not path:
            raise InvalidArgument(
                "the project has no code root configured (Project → Settings → Code)", field="code_root"
            )
        self.path = os.path.realpath(path)
        self.field = field
        self.deny_git = deny_git

    # -- parsing ---------------------------------------------------------------------------------------
    def parts_of(self, raw) -> list[str]:
        """Check the spelling of a requested path and split it; nothing is touched on disk yet."""
        f = self.field
        if not isinstance(raw, str):
            raise InvalidArgument(f"{f} must be a string", field=f)
        if "\x00" in raw:
            raise InvalidArgument(f"{f} must not contain NUL characters", field=f)
        if any(ord(c) < 32 or ord(c) == 127 for c in raw):
            raise InvalidArgument(f"{f} must not contain control characters", field=f)
        try:
            size = len(raw.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidArgument(f"{f} is not valid UTF-8", field=f) from None
        if size > MAX_PATH_BYTES:
            raise InvalidArgument(f"{f} is too long ({size} bytes; the limit is {MAX_PATH_BYTES})", field=f)
        if raw.startswith("/"):
            root_parts = [p for p in self.path.split("/") if p]
            given = [p for p in raw.split("/") if p not in ("", ".")]
            # Compared by components, never by string prefix: /srv/app-evil is not inside /srv/app.
            if given[: len(root_parts)] != root_parts:
                raise PathEscape(f)
            parts = given[len(root_parts) :]
        else:
            parts = [p for p in raw.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise PathEscape(f)
        if len(parts) > MAX_DEPTH:
            raise InvalidArgument(f"{f} is nested too deeply", field=f)
        for p in parts:
            if len(p.encode("utf-8")) > MAX_COMPONENT_BYTES:
                raise InvalidArgument(f"{f} has a name longer than {MAX_COMPONENT_BYTES} bytes", field=f)
        return parts

    def _target_parts(self, target: str, current: list[str]) -> list[str] | None:
        """An absolute symlink target as components from the root, or PathEscape if it points out; None for a
        relative one."""
        if target.startswith("/"):
            root_parts = [p for p in self.path.split("/") if p]
            given = [p for p in target.split("/") if p not in ("", ".")]
            if given[: len(root_parts)] != root_parts:
                raise PathEscape(self.field)
            return given[len(root_parts) :]
        return None  # relative: resolved against the link's directory by the caller

    # -- the walk --------------------------------------------------------------------------------------
    def open_root(self) -> int:
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        return fd

    def walk(self, raw, *, final: str, create_dirs: bool = False, missing_ok: bool = False) -> Opened:
        """Resolve `raw` under the root.

        final="dir": the result's dir_fd is the directory itself (name "").
        final="entry": the result's dir_fd is the parent and `name` the last component, which may be missing
        when missing_ok is set. Links in the final component are resolved too; the entry itself is never a link.
        """
        parts = self.parts_of(raw)
        stack = list(reversed(parts))
        fds = [self.open_root()]
        cur: list[str] = []
        hops = 0
        retries = 0
        try:
            while stack:
                name = stack.pop()
                if name in ("", "."):
                    continue
                if name == "..":
                    if not cur:
                        raise PathEscape(self.field)
                    cur.pop()
                    os.close(fds.pop())
                    continue
                last = not stack
                try:
                    st = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
                except FileNotFoundError:
                    if create_dirs and (not last or final == "dir") and retries < 8:
                        try:
                            os.mkdir(name, 0o755, dir_fd=fds[-1])  # mkdirat never follows a link at `name`
                        except FileExistsError:
                            retries += 1  # someone made it meanwhile: look at what it is now
                        stack.append(name)
                        continue
                    if last and final == "entry" and missing_ok:
                        self._deny_git(cur + [name])
                        return self._done(fds, name, cur + [name], exists=False)
                    raise NotFound("path", "/".join(cur + [name]), field=self.field) from None
                except NotADirectoryError:
                    raise NotFound("path", "/".join(cur + [name]), field=self.field) from None
                if stat.S_ISLNK(st.st_mode):
                    hops += 1
                    if hops > MAX_LINK_HOPS:
                        raise PathEscape(self.field)
                    try:
                        target = os.readlink(name, dir_fd=fds[-1])
                    except (FileNotFoundError, OSError) as exc:
                        if exc.errno not in (errno.EINVAL, errno.ENOENT) or retries >= 8:
                            raise PathEscape(self.field) from None
                        retries += 1  # no longer a link (swapped back): look at it again, as it is now
                        hops -= 1
                        stack.append(name)
                        continue
                    absolute = self._target_parts(target, cur)
                    if absolute is not None:
                        # An absolute target inside the root restarts the walk from the root.
                        while len(fds) > 1:
                            os.close(fds.pop())
                        cur = []
                        tail = absolute
                    else:
                        tail = [p for p in target.split("/") if p not in ("", ".")]
                    stack.extend(reversed(tail))
                    continue
                if last and final == "entry":
                    self._deny_git(cur + [name])
                    return self._done(fds, name, cur + [name], exists=True, st=st)
                if not stat.S_ISDIR(st.st_mode):
                    raise NotFound("directory", "/".join(cur + [name]), field=self.field)
                try:
                    fd = os.open(name, _DIR_FLAGS, dir_fd=fds[-1])
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT) and retries < 8:
                        # Swapped between stat and open: look at it again, as it is now.
                        retries += 1
                        stack.append(name)
                        continue
                    raise
                got = os.fstat(fd)
                if (got.st_dev, got.st_ino) != (st.st_dev, st.st_ino):
                    os.close(fd)
                    retries += 1
                    if retries > 8:
                        raise PathEscape(self.field)
                    stack.append(name)
                    continue
                fds.append(fd)
                cur.append(name)
                if len(cur) > MAX_DEPTH:
                    raise InvalidArgument(f"{self.field} is nested too deeply", field=self.field)
            # Nothing left: the path named a directory (or the root itself).
            self._deny_git(cur)
            if final == "entry":
                if not cur:
                    raise InvalidArgument(
                        f"{self.field} must name a file, not the code root", field=self.field
                    )
                # Re-express as parent + name so callers get one shape.
                name = cur[-1]
                os.close(fds.pop())
                cur_parent = cur[:-1]
                st = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
                return self._done(fds, name, cur_parent + [name], exists=True, st=st)
            self.verify_inside(fds[-1])
            return self._done(fds, "", cur, exists=True, st=os.fstat(fds[-1]))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise

    def _deny_git(self, parts: list[str]) -> None:
        if self.deny_git and any(_is_git_part(p) for p in parts):
            raise Forbidden(
                "the .git directory is not reachable through the file tools; use code_git",
                field=self.field,
                permission="code_root",
            )

    @staticmethod
    def _done(fds: list[int], name: str, parts: list[str], *, exists: bool, st=None) -> Opened:
        keep = fds.pop()
        for fd in fds:
            os.close(fd)
        fds.clear()
        return Opened(keep, name, "/".join(parts), exists, st)

    # -- after open ------------------------------------------------------------------------------------
    def verify_inside(self, fd: int) -> None:
        """Ask the kernel where the descriptor really is; refuse if that is not under the root."""
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return  # no /proc: the component-wise walk above is the guarantee
        if real != self.path and not real.startswith(self.path.rstrip("/") + "/"):
            raise PathEscape(self.field)

    def open_file(self, raw, flags: int = os.O_RDONLY) -> tuple[int, str, os.stat_result]:
        """Open an existing regular file inside the root; returns (fd, relative path, stat)."""
        for _attempt in range(MAX_LINK_HOPS):
            loc = self.walk(raw, final="entry")
            try:
                try:
                    fd = os.open(
                        loc.name, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=loc.dir_fd
                    )
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        continue  # became a link since the walk: resolve again, checking its target
                    if exc.errno == errno.ENOENT:
                        raise NotFound("file", loc.rel, field=self.field) from None
                    if exc.errno == errno.EISDIR:
                        raise InvalidArgument(f"{loc.rel or '.'} is a directory", field=self.field) from None
                    raise
            finally:
                os.close(loc.dir_fd)
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    raise InvalidArgument(f"{loc.rel} is not a regular file", field=self.field)
                if st.st_nlink > 1:
                    # Another name for the same inode may live outside the root.
                    raise Forbidden(
                        f"{loc.rel} has other hard links; it is refused because one of them may be "
                        "outside the code root",
                        field=self.field,
                        permission="code_root",
                    )
                self.verify_inside(fd)
                os.set_blocking(fd, True)
                return fd, loc.rel, st
            except BaseException:
                os.close(fd)
                raise
        raise PathEscape(self.field)

    def open_dir(self, raw, *, create: bool = False) -> tuple[int, str]:
        loc = self.walk(raw if raw not in (None, "") else ".", final="dir", create_dirs=create)
        return loc.dir_fd, loc.rel

    def parent_of(self, raw, *, create_dirs: bool = False) -> Opened:
        """The directory that holds `raw` (created on the way if asked) and the final name; for writes."""
        loc = self.walk(raw, final="entry", create_dirs=create_dirs, missing_ok=True)
        if loc.exists and loc.st is not None and stat.S_ISDIR(loc.st.st_mode):
            os.close(loc.dir_fd)
            raise InvalidArgument(f"{loc.rel} is a directory", field=self.field)
        try:
            self.verify_inside(loc.dir_fd)
        except BaseException:
            os.close(loc.dir_fd)
            raise
        return loc

    def relative(self, raw) -> str:
        """The canonical relative path of `raw` (which may not exist), for handing to git after `--`."""
        loc = self.walk(raw, final="entry", missing_ok=True)
        os.close(loc.dir_fd)
        return loc.rel
