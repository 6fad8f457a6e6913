"""The operating-system sandbox around every process the connector starts (exec, recipes, git, search).

bubblewrap gives each run its own mount, PID, IPC, UTS and (unless the run declares network) network namespace,
with no capabilities. Inside there is only: the toolchains read-only (/usr and the /bin, /lib links), a few
files of /etc, a private /tmp that is also HOME, a fresh /proc and /dev, and the code root (read-write only for
operations that write; its .git read-only except for git operations that must write it). The workspace's data
directory, the server's config, its HOME and its /proc are simply not there. prlimit caps CPU time, memory,
file size and processes; where a pids cgroup can be made, it caps processes for root as well (the kernel does
not apply RLIMIT_NPROC to root).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from plandesk.core.errors import Unavailable

SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BWRAP_PLACES = ("/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap")
# The files of /etc a toolchain needs (dynamic linker, certificates, name service, time zone); nothing else.
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "nsswitch.conf",
    "localtime",
    "mime.types",
    "protocols",
    "services",
    "hosts",
    "host.conf",
    "gai.conf",
    "gitattributes",
    "inputrc",
    "python3",
    "perl",
    "debian_version",
    "os-release",
    "login.defs",
)
NETWORK_ETC = ("resolv.conf",)
SANDBOX_HOME = "/tmp/home"


class SandboxUnavailable(Unavailable):
    pass


@dataclass(frozen=True)
class Limits:
    """Per process, except processes (the whole run). Env PLANDESK_SANDBOX_* lets the operator change them."""

    cpu_s: int = 600
    memory_mb: int = 4096
    file_mb: int = 1024
    processes: int = 256

    @classmethod
    def from_environment(cls, *, cpu_s: int | None = None) -> Limits:
        def number(name: str, default: int) -> int:
            raw = os.environ.get(f"PLANDESK_SANDBOX_{name}")
            try:
                value = int(raw) if raw else default
            except ValueError:
                value = default
            return max(1, value)

        base = cls()
        cpu = number("CPU_S", base.cpu_s)
        return cls(
            cpu_s=min(cpu, cpu_s) if cpu_s else cpu,
            memory_mb=number("MEMORY_MB", base.memory_mb),
            file_mb=number("FILE_MB", base.file_mb),
            processes=number("PROCESSES", base.processes),
        )

    def prlimit_args(self) -> list[str]:
        return [
            f"--cpu={self.cpu_s}",
            f"--data={self.memory_mb * 1024 * 1024}",
            f"--fsize={self.file_mb * 1024 * 1024}",
            f"--nproc={self.processes}",
            "--core=0",
        ]


@dataclass(frozen=True)
class Policy:
    root: str  # the code root, real path; mounted at the same path so paths in output mean what they say
    cwd: str  # absolute, inside root
    write_root: bool = False
    write_git: bool = False
    network: bool = False
    env: dict[str, str] = field(default_factory=dict)
    writable_paths: tuple[str, ...] = ()  # extra places a run must write (a local push remote)
    limits: Limits = field(default_factory=Limits.from_environment)


def bwrap_path() -> str | None:
    override = os.environ.get("PLANDESK_BWRAP")
    places = (override,) if override else BWRAP_PLACES
    for p in places:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


@functools.lru_cache(maxsize=4)
def _works(bwrap: str) -> str | None:
    """None when bwrap can start a process here, else what it said (no user namespaces, seccomp, ...)."""
    try:
        probe = subprocess.run(
            [bwrap, *_base_args(network=False), "--", "/bin/true"],
            env={"PATH": SAFE_PATH},
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return None if probe.returncode == 0 else probe.stderr.decode("utf-8", "replace").strip()[:300]


def status() -> dict:
    """For doctor and the settings page: is the sandbox usable on this machine?"""
    bwrap = bwrap_path()
    if bwrap is None:
        return {
            "available": False,
            "detail": "bubblewrap (bwrap) is not installed; apt-get install bubblewrap",
        }
    problem = _works(bwrap)
    if problem:
        return {"available": False, "detail": f"bubblewrap cannot start a sandbox here: {problem}"}
    if shutil.which("prlimit", path=SAFE_PATH) is None:
        return {
            "available": True,
            "detail": f"bubblewrap at {bwrap}; prlimit (util-linux) is missing, so no resource limits apply",
            "limits": False,
        }
    return {"available": True, "detail": f"bubblewrap at {bwrap}", "limits": True}


def require(*, unsandboxed_ok: bool, what: str) -> bool:
    """True to run sandboxed; False only when the owner switched to unsandboxed mode; else a clear refusal."""
    state = status()
    if state["available"]:
        return True
    if unsandboxed_ok:
        return False
    raise SandboxUnavailable(
        f"{what} is refused: {state['detail']}. The connector runs programs only inside "
        "an operating-system sandbox; an owner may switch the workspace to unsandboxed mode "
        "(programs then run with the server's own rights)"
    )


def _base_args(*, network: bool) -> list[str]:
    args = [
        "--die-with-parent",
        "--new-session",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
    ]
    if network:
        args.append("--share-net")
    for top in ("/usr", "/opt/toolchains"):
        if os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC_FILES + (NETWORK_ETC if network else ()):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", SANDBOX_HOME]
    return args


def _mounts(policy: Policy, scratch: str) -> list[str]:
    args = ["--bind" if policy.write_root else "--ro-bind", policy.root, policy.root]
    git_dir = os.path.realpath(os.path.join(policy.root, ".git"))
    # A .git that is a link to a directory inside the root is protected where it really is.
    if os.path.isdir(git_dir) and git_dir.startswith(policy.root.rstrip("/") + "/"):
        writable = policy.write_git and policy.write_root
        args += ["--bind" if writable else "--ro-bind", git_dir, git_dir]
    for p in policy.writable_paths:
        args += ["--bind", p, p]
    # Name lookups of the sandbox's own user (git, ssh and Python ask) without the server's /etc/passwd.
    uid, gid = os.getuid(), os.getgid()
    passwd, group = os.path.join(scratch, "passwd"), os.path.join(scratch, "group")
    with open(passwd, "w") as f:
        f.write(f"sandbox:x:{uid}:{gid}:sandbox:{SANDBOX_HOME}:/bin/sh\n")
        if uid != 0:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(group, "w") as f:
        f.write(f"sandbox:x:{gid}:\n" + ("root:x:0:\n" if gid != 0 else ""))
    args += ["--ro-bind", passwd, "/etc/passwd", "--ro-bind", group, "/etc/group"]
    # The sandbox's own root (the directories bwrap made to hold the mounts) is read-only too: a write can land
    # only in the code root (when the run writes), its private /tmp, or a path the run was given.
    args += ["--remount-ro", "/", "--chdir", policy.cwd]
    return args


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment inside: built from nothing, plus what the caller declares."""
    env = {
        "PATH": SAFE_PATH,
        "HOME": SANDBOX_HOME,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
    }
    env.update(extra or {})
    return env


class _PidsCgroup:
    """A cgroup (v1 pids controller) holding one run, so a fork bomb stops at the limit even for root."""

    ROOT = "/sys/fs/cgroup/pids"

    def __init__(self, limit: int):
        self.path: str | None = None
        if not os.access(self.ROOT, os.W_OK) or not os.path.isfile(os.path.join(self.ROOT, "cgroup.procs")):
            return
        path = os.path.join(self.ROOT, f"plandesk-{uuid.uuid4().hex[:12]}")
        try:
            os.mkdir(path)
            with open(os.path.join(path, "pids.max"), "w") as f:
                f.write(str(limit))
            self.path = path
        except OSError:
            self.remove()

    def wrapper(self) -> list[str]:
        if self.path is None:
            return []
        # The shell only moves itself into the group, then execs the argv it was handed (no user text in it).
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', os.path.join(self.path, "cgroup.procs")]

    @staticmethod
    def _members(path: str) -> list[int]:
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                return [int(line) for line in f if line.strip().isdigit()]
        except OSError:
            return []

    def remove(self) -> None:
        """Kill what is left of the run, then remove the group once the kernel has let its members go."""
        path = self.path
        if path is None:
            return
        deadline = time.monotonic() + 5
        while True:
            members = self._members(path)
            for pid in members:
                try:
                    os.kill(pid, 9)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.rmdir(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    break  # left for the kernel; an empty group costs nothing
                time.sleep(0.01)  # dying members leave the group a moment after their kill
        self.path = None


@contextmanager
def command(argv: list[str], policy: Policy, *, sandboxed: bool = True):
    """Yield (argv to start, environment) for one run; the scratch files and cgroup go when the run ends."""
    env = base_env(policy.env)
    prlimit = shutil.which("prlimit", path=SAFE_PATH)
    limits = [prlimit, *policy.limits.prlimit_args(), "--"] if prlimit else []
    if not sandboxed:
        # Unsandboxed mode (an owner's choice): limits and a scratch HOME are all that is left.
        with tempfile.TemporaryDirectory(prefix="pd-unsandboxed-home-") as home:
            yield [*limits, *argv], {**env, "HOME": home, "TMPDIR": home}
        return
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap is not installed")
    cgroup = _PidsCgroup(policy.limits.processes)
    with tempfile.TemporaryDirectory(prefix="pd-sandbox-") as scratch:
        try:
            full = [
                *cgroup.wrapper(),
                *limits,
                bwrap,
                *_base_args(network=policy.network),
                *_mounts(policy, scratch),
                "--",
                *argv,
            ]
            yield full, env
        finally:
            cgroup.remove()
