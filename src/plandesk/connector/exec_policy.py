"""What code_exec may run: an allowlisted program by bare name, no inline code, no wrapper smuggling another program.

There is no shell anywhere, so ; | && $() backticks, globs and newlines are just characters of an argument.
The checks below are about programs that would themselves run something else.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from plandesk.connector.process import SAFE_PATH
from plandesk.core.errors import Forbidden, InvalidArgument

BARE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}")
MAX_ARGS = 256
MAX_ARG_CHARS = 8192

SHELLS = {
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "mksh",
    "oksh",
    "pdksh",
    "csh",
    "tcsh",
    "fish",
    "ash",
    "rbash",
    "yash",
    "pwsh",
    "powershell",
    "nu",
    "elvish",
    "xonsh",
}
# Programs that exec the program named in their arguments directly (argv in, argv out). If one is literally
# allowlisted it runs, and the program it wraps must pass every check on its own.
WRAPPERS = SHELLS | {
    "env",
    "xargs",
    "nice",
    "nohup",
    "timeout",
    "setsid",
    "stdbuf",
    "time",
    "ionice",
    "taskset",
    "chrt",
    "strace",
    "ltrace",
    "gdb",
    "lldb",
    "valgrind",
    "prlimit",
    "numactl",
    "cgexec",
    "eatmydata",
    "fakeroot",
    "proot",
    "bwrap",
    "firejail",
    "rlwrap",
    "unbuffer",
    "catchsegv",
    "torsocks",
    "proxychains",
    "proxychains4",
    "faketime",
    "perf",
    "daemonize",
    "start-stop-daemon",
    "busybox",
    "toybox",
    "command",
    "builtin",
    "exec",
}
# Never run, allowlisted or not: privilege changes (the connector has the server's rights, never more),
# wrappers that hand their arguments to a shell or the network, and git (code_git runs it hardened).
NEVER = {
    "sudo",
    "su",
    "doas",
    "pkexec",
    "runuser",
    "sg",
    "newgrp",
    "chroot",
    "nsenter",
    "unshare",
    "setpriv",
    "capsh",
    "sshpass",
    "git",
    "watch",
    "parallel",
    "script",
    "flock",
    "ssh",
    "at",
    "batch",
    "tmux",
    "screen",
    "systemd-run",
    "expect",
    "socat",
    "nc",
    "ncat",
    "netcat",
    "entr",
    "xdg-open",
    "eval",
}
# Interpreters and the short options that take program text from the command line.
_INTERP = {
    "python": "c",
    "pypy": "c",
    "perl": "eE",
    "ruby": "e",
    "irb": "e",
    "node": "ep",
    "nodejs": "ep",
    "bun": "ep",
    "deno": "",
    "php": "rRBEa",
    "lua": "e",
    "luajit": "e",
    "rscript": "e",
    "r": "e",
    "julia": "eE",
    "guile": "ce",
    "elixir": "e",
    "iex": "e",
    "groovy": "e",
    "scala": "e",
    "tclsh": "",
    "wish": "",
    "osascript": "e",
    "racket": "e",
    "sbcl": "",
    "clisp": "x",
    "ghci": "e",
    "runghc": "",
    "erl": "",
    "escript": "",
    "jshell": "",
}
_LONG_INLINE = {
    "--eval",
    "--print",
    "--command",
    "--exec",
    "--execute",
    "--expr",
    "--expression",
    "--source",
    "--script-string",
    "-eval",
    "-expr",
    "-command",
    "--rcfile",
    "--init-file",
}
_AWKS = {"awk", "gawk", "mawk", "nawk", "original-awk"}
_FIND_REFUSED = {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"}
# Options that make an ordinary tool run another program or escape its directory; "*": refused outright
# (interactive programs, installers and container or system tools).
_OPTION_REFUSED = {
    "tar": {
        "--to-command",
        "--checkpoint-action",
        "--use-compress-program",
        "-I",
        "--info-script",
        "-F",
        "--new-volume-script",
        "--rsh-command",
        "--absolute-names",
        "-P",
        "--transform-command",
    },
    "rsync": {"-e", "--rsh", "--rsync-path"},
    "zip": {"-T", "-TT", "--unzip-command", "--test"},
    "make": {"--eval", "-E"},
    "gmake": {"--eval", "-E"},
    "gdb": {
        "--ex",
        "--iex",
        "--eval-command",
        "--init-eval-command",
        "--x",
        "--ix",
        "--command",
        "--init-command",
        "--python",
        "--P",
    },
    "lldb": {
        "-o",
        "-O",
        "-k",
        "-K",
        "-s",
        "-S",
        "--one-line",
        "--source",
        "--one-line-before-file",
        "--source-before-file",
        "--one-line-on-crash",
        "--source-on-crash",
    },
    "sort": {"--compress-program"},
    "wget": {"--use-askpass"},
    "curl": {"-K", "--config"},
    "scp": {"-S", "-o", "-F"},
    "vim": {"*"},
    "vi": {"*"},
    "nvim": {"*"},
    "view": {"*"},
    "ex": {"*"},
    "ed": {"*"},
    "emacs": {"*"},
    "less": {"*"},
    "more": {"*"},
    "man": {"*"},
    "pip": {"*"},
    "pip3": {"*"},
    "npx": {"*"},
    "docker": {"*"},
    "podman": {"*"},
    "kubectl": {"*"},
    "crontab": {"*"},
    "mount": {"*"},
    "dd": {"*"},
    "install": {"*"},
}


# Python modules that take code, paths or the network from their arguments (python -m timeit "code",
# -m zipfile -e x.zip /abs, -m http.server): -m runs only modules on this list or named on the allowlist.
PYTHON_MODULES = {
    "pytest",
    "unittest",
    "mypy",
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "coverage",
    "pyflakes",
    "pycodestyle",
    "build",
    "tox",
    "nox",
}
# Variables that make a program load code or look programs up elsewhere (env NAME=VALUE prog).
_ENV_REFUSED = re.compile(
    r"(.*PATH|LD_.*|.*_?OPTS?|.*OPTIONS|PYTHON.*|PERL.*|NODE_.*|RUBY.*|BASH_.*|ENV|IFS|"
    r"SHELLOPTS|GIT_.*|MAKEFLAGS|MFLAGS|GCONV_.*|.*_LOADER|.*PRELOAD.*|.*RC|.*STARTUP|HOME|"
    r"TMPDIR|.*_HOME|.*CONFIG.*|GDB.*|LUA_.*|JULIA_.*|NPM_.*|YARN_.*|DENO_.*|BUN_.*|PAGER|EDITOR|"
    r"VISUAL|BROWSER|SSH_.*|PROMPT_COMMAND|PS[0-9])",
    re.IGNORECASE,
)
_LONG_ONLY = {"gdb"}  # programs that read -word as --word, abbreviations included
_NPM_REFUSED = {
    "exec",
    "x",
    "dlx",
    "explore",
    "create",
    "init",
    "innit",
    "create-vite",
    "-c",
    "--call",
    "install-test",
    "install-ci-test",
    "it",
    "cit",
    "edit",
    "rebuild",
    "restart",
}


def _abbreviates(head: str, options: set[str]) -> bool:
    """GNU getopt takes any unambiguous prefix of a long option: --checkpoint-a means --checkpoint-action."""
    if not head.startswith("--") or len(head) < 4:
        return head in options
    return any(o.startswith("--") and o.startswith(head) for o in options)


@dataclass(frozen=True)
class Program:
    name: str
    path: str  # absolute, canonical: what is executed (no second PATH lookup can change it)


def _family(name: str) -> str:
    base = name.lower()
    m = re.fullmatch(r"(python|pypy|perl|ruby|node|php|lua|tclsh|wish|pip)[0-9.]*", base)
    return m.group(1) if m else base


def refuse(message: str, argv_index: int | None = None) -> Forbidden:
    return Forbidden(
        message, field="argv" if argv_index is None else f"argv[{argv_index}]", permission="exec"
    )


def resolve(name: str, allowlist: list[str], code_root: str) -> Program:
    """An allowlisted bare name → the one binary it means, found on a fixed PATH, never inside the code root."""
    if not BARE_NAME.fullmatch(name):
        raise refuse(
            f"the program must be a bare name from the allowlist, not a path or a command line "
            f"({name[:60]!r})",
            0,
        )
    if name not in allowlist:
        raise refuse(
            f"{name!r} is not in this project's exec allowlist "
            f"({', '.join(allowlist) or 'the allowlist is empty'})",
            0,
        )
    if name in NEVER or _family(name) in NEVER:
        raise refuse(f"{name!r} is never run by code_exec" + (" (use code_git)" if name == "git" else ""), 0)
    for d in SAFE_PATH.split(":"):
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            real = os.path.realpath(candidate)
            root = os.path.realpath(code_root)
            if real == root or real.startswith(root.rstrip("/") + "/"):
                raise refuse(f"{name!r} resolves into the code root; programs there are not run", 0)
            real_base = os.path.basename(real)
            # An innocent name that is really a shell or a wrapper must be allowlisted under that name too.
            for cls, label in ((SHELLS, "a shell"), (WRAPPERS, "a wrapper that runs other programs")):
                if _family(real_base) in cls and _family(name) not in cls and real_base not in allowlist:
                    raise refuse(
                        f"{name!r} is {real_base}, {label}; allowlist {real_base!r} explicitly to run it", 0
                    )
            return Program(name, real)
    raise InvalidArgument(f"{name!r} is not installed on the server (looked in {SAFE_PATH})", field="argv[0]")


def _short_cluster(arg: str) -> str:
    return arg[1:] if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 else ""


def _check_inline(family: str, args: list[str], offset: int) -> None:
    """Refuse inline program text. Every argument is looked at, not only those before the script name: an
    option's value can look like a script name (python -X dev -c ...), and refusing a script's own -c is the
    safe mistake."""
    letters = _INTERP.get(family, "c" if family in SHELLS else None)
    if letters is None:
        return
    for i, a in enumerate(args):
        if family == "deno" and i == 0 and a in ("eval", "repl"):
            raise refuse("deno eval is refused; put the code in a file in the code root", offset + i)
        head = a.split("=", 1)[0].lower()
        cluster = _short_cluster(a)
        if _abbreviates(head, _LONG_INLINE) or (cluster and any(ch in letters for ch in cluster)):
            raise refuse(
                f"inline code ({a[:20]}) is refused; put the code in a file in the code root", offset + i
            )
        if family == "node" and ("data:" in a.lower() or "http:" in a.lower() or "https:" in a.lower()):
            raise refuse("node loading code from a data: or http: URL is refused", offset + i)
        if (
            family == "node"
            and _abbreviates(
                head, {"--import", "--loader", "--experimental-loader", "--inspect", "--inspect-brk"}
            )
            and "=" not in a
            and a != head
        ):
            raise refuse(f"node {head} is refused", offset + i)
        if family == "perl" and cluster:
            _check_perl_cluster(cluster, offset + i)


def _check_perl_cluster(cluster: str, index: int) -> None:
    # -MModule=list becomes `use Module list;`: anything past a module name and an import list is code.
    for j, ch in enumerate(cluster):
        if ch in "MmdD":
            rest = cluster[j + 1 :]
            if ch in "dD" and not rest:
                return
            if not re.fullmatch(r"-?:?[A-Za-z0-9_:]*(=[A-Za-z0-9_:,]*)?", rest):
                raise refuse(f"perl -{ch} with {rest[:20]!r} is inline code; it is refused", index)
            return
        if ch in "xIiol0":  # options whose value is the rest of the cluster
            return


def _check_python_module(family: str, args: list[str], allowlist: list[str], offset: int) -> None:
    if family not in ("python", "pypy"):
        return
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        cluster = _short_cluster(a)
        if not cluster or "m" not in cluster:
            if not a.startswith("-"):
                return  # the script: later arguments are its own
            skip = cluster[-1:] in ("X", "W")  # their value is the next argument
            continue
        rest = cluster[cluster.index("m") + 1 :]
        module = rest or (args[i + 1] if i + 1 < len(args) else "")
        if module.split(".")[0] not in PYTHON_MODULES and module not in allowlist:
            raise refuse(
                f"python -m {module[:40]} is refused: modules may take code or paths from their "
                f"arguments; allowed are {', '.join(sorted(PYTHON_MODULES))} and allowlisted names",
                offset + i,
            )
        return


def _check_specific(family: str, args: list[str], offset: int) -> None:
    if family in _AWKS:
        if not any(a in ("-f", "--file") or a.startswith("--file=") for a in args):
            raise refuse(
                "awk runs its first argument as a program; use -f with a file in the code root", offset
            )
        if any(a in ("-e", "--source") or a.startswith(("--source=", "-e")) for a in args):
            raise refuse("awk inline programs are refused; use -f with a file in the code root", offset)
    if family == "make":
        for i, a in enumerate(args):
            if "$" in a or "`" in a:
                raise refuse(
                    "make expands $(shell ...) and $(file ...) in its arguments; they are refused", offset + i
                )
    if family in ("npm", "pnpm", "yarn", "bun", "corepack"):
        for i, a in enumerate(args):
            if a.split("=", 1)[0] in _NPM_REFUSED or _abbreviates(a.split("=", 1)[0], {"--call"}):
                raise refuse(
                    f"{family} {a[:20]} runs packages or commands given on the command line; it is refused",
                    offset + i,
                )
    if family == "env":
        for i, a in enumerate(args):
            name = a.split("=", 1)[0]
            if (
                "=" in a
                and not a.startswith("-")
                and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
                and _ENV_REFUSED.fullmatch(name)
            ):
                raise refuse(
                    f"env {name}=... changes where programs or code are loaded from; it is refused",
                    offset + i,
                )
            if not a.startswith("-") and "=" not in a:
                break
    if family == "find":
        for i, a in enumerate(args):
            if a in _FIND_REFUSED:
                raise refuse(f"find {a} runs or deletes things; it is refused", offset + i)
    refused = _OPTION_REFUSED.get(family)
    if not refused:
        return
    if "*" in refused:
        raise refuse(f"{family} is interactive or installs or executes other code; code_exec refuses it", 0)
    shorts = {r[1] for r in refused if len(r) == 2 and r[0] == "-" and r[1] != "-"}
    for i, a in enumerate(args):
        head = a.split("=", 1)[0]
        cluster = _short_cluster(a) or (a if family == "tar" and i == 0 and not a.startswith("-") else "")
        # Every letter of a cluster counts (-vvvvvvvvI is -I); a refused letter inside a glued value is the
        # safe mistake. Long options count by any prefix getopt would take for them.
        if family in _LONG_ONLY and head.startswith("-") and not head.startswith("--"):
            head = "-" + head  # getopt_long_only: -eval-c is --eval-command
            cluster = ""
        if _abbreviates(head, refused) or any(ch in shorts for ch in cluster.split("=", 1)[0]):
            raise refuse(
                f"{family} {head[:20]} can run another program or write outside the root; it is refused",
                offset + i,
            )


def _wrapped_start(args: list[str]) -> int | None:
    """Where the program run by a wrapper starts: the first argument that is not an option, a NAME=VALUE or a
    number. Stricter than the wrappers themselves (an option's value may be taken for the program), never looser."""
    for i, a in enumerate(args):
        if (
            a.startswith("-")
            or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", a, re.DOTALL)
            or re.fullmatch(r"[0-9.]+[smhd]?", a)
        ):
            continue
        return i
    return None


def check_argv(argv, allowlist: list[str], code_root: str, depth: int = 0) -> Program:
    """Every rule for one argv; returns the program to execute or raises Forbidden/InvalidArgument."""
    if isinstance(argv, str):
        raise InvalidArgument(
            "argv must be a list of strings (program first); there is no shell to split a command line",
            field="argv",
        )
    if not isinstance(argv, list) or not argv or len(argv) > MAX_ARGS:
        raise InvalidArgument(f"argv must be a non-empty list of at most {MAX_ARGS} strings", field="argv")
    for i, a in enumerate(argv):
        if not isinstance(a, str):
            raise InvalidArgument(f"argv[{i}] must be a string", field=f"argv[{i}]")
        if "\x00" in a or len(a) > MAX_ARG_CHARS:
            raise InvalidArgument(
                f"argv[{i}] must be at most {MAX_ARG_CHARS} characters with no NUL", field=f"argv[{i}]"
            )
    program = resolve(argv[0], allowlist, code_root)
    family = _family(argv[0])
    real_family = _family(os.path.basename(program.path))
    args = argv[1:]
    for fam in {family, real_family}:
        if fam == "env" and any(
            a in ("-S", "--split-string") or a.startswith(("-S", "--split-string=")) for a in args
        ):
            raise refuse("env -S splits a string like a shell; it is refused", 1)
        _check_inline(fam, args, 1)
        _check_specific(fam, args, 1)
        _check_python_module(fam, args, allowlist, 1)
    if family in WRAPPERS or real_family in WRAPPERS:
        start = _wrapped_start(args)
        if family == "xargs" and start is None:
            raise refuse(f"{family} without a program runs a default command; name the program", 0)
        if start is not None and family not in SHELLS:
            if depth >= 4:
                raise refuse("wrappers nested this deep are refused", 0)
            check_argv(
                args[start:], allowlist, code_root, depth + 1
            )  # the wrapper execs it; only the verdict
    return program


def check_path_arguments(argv: list[str], code_root: str, cwd: str) -> None:
    """A second wall, not the boundary: refuse arguments that plainly name places outside the root."""
    root = os.path.realpath(code_root)
    for i, a in enumerate(argv[1:], start=1):
        candidates = [a]
        if a.startswith("-") and "=" in a:
            candidates.append(a.split("=", 1)[1])
        if a.startswith("-") and not a.startswith("--"):
            # A value glued to a short option (-C/abs, -t/abs, -o../x, -f~/x) is a path like any other.
            for j in range(1, len(a)):
                if a[j] in "/~" or a.startswith("..", j):
                    candidates.append(a[j:])
                    break
        for c in candidates:
            if c.startswith("~"):
                raise refuse(f"argv[{i}] names a home directory; paths must stay inside the code root", i)
            parts = c.split("/")
            if any(p.casefold() == ".git" for p in parts):
                raise refuse(f"argv[{i}] reaches into .git; use code_git", i)
            if c.startswith("/") or ".." in parts:
                target = (
                    os.path.realpath(os.path.join(cwd, c)) if not c.startswith("/") else os.path.realpath(c)
                )
                if c.startswith("/dev/null") and target == "/dev/null":
                    continue
                if target != root and not target.startswith(root.rstrip("/") + "/"):
                    raise refuse(f"argv[{i}] points outside the code root", i)
