"""code_exec bypass corpus: every trick from the DesktopCommander issues and friends; no blocked program runs.

The canary: each attack, if any shell or inline code ran, would create a file (outside the root and inside
it). After each case neither exists. Cases that are allowed run as plain literal arguments.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from plandesk.connector import shell
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import PlanDeskError

# A realistic allowlist, wrappers included, so the corpus tests the argument rules and not only the list.
ALLOW = [
    "echo",
    "ls",
    "cat",
    "python3",
    "perl",
    "find",
    "sed",
    "awk",
    "env",
    "xargs",
    "nice",
    "timeout",
    "tar",
    "sort",
    "grep",
    "true",
    "canary.sh",
]

# {C} is the canary outside the root, {I} the one inside, {S} a script that creates both when run.
ATTACKS = [
    ("command_line_string", "touch {C}"),
    ("sh_c", ["sh", "-c", "touch {C}"]),
    ("bash_c", ["bash", "-c", "touch {C}"]),
    ("dash_c", ["dash", "-c", "touch {C}"]),
    ("absolute_program", ["/usr/bin/touch", "{C}"]),
    ("relative_program", ["./canary.sh"]),
    ("program_not_allowlisted", ["touch", "{C}"]),
    ("allowlisted_name_only_in_root", ["canary.sh"]),
    ("semicolon_in_arg", ["echo", "ok; touch {C}"]),
    ("and_in_arg", ["echo", "ok && touch {C}"]),
    ("or_in_arg", ["echo", "ok || touch {C}"]),
    ("pipe_in_arg", ["echo", "ok | touch {C}"]),
    ("background_in_arg", ["echo", "ok & touch {C}"]),
    ("command_substitution", ["echo", "$(touch {C})"]),
    ("backticks", ["echo", "`touch {C}`"]),
    ("newline_in_arg", ["echo", "ok\ntouch {C}"]),
    ("process_substitution_in", ["cat", "<(touch {C})"]),
    ("process_substitution_out", ["echo", ">(touch {C})"]),
    ("redirect_in_arg", ["echo", "x", ">", "{I}"]),
    ("here_doc", ["cat", "<<EOF\ntouch {C}\nEOF"]),
    ("semicolon_in_program", ["echo;touch", "{C}"]),
    ("newline_in_program", ["echo\ntouch", "{C}"]),
    ("space_in_program", ["echo touch", "{C}"]),
    ("glob_program", ["tou*", "{C}"]),
    ("glob_absolute_program", ["/usr/bin/to?ch", "{C}"]),
    ("quoted_program", ['"touch"', "{C}"]),
    ("single_quoted_program", ["'touch'", "{C}"]),
    ("case_variant_program", ["ECHO", "x"]),
    ("cyrillic_lookalike_program", ["\u0435cho", "x"]),
    ("trailing_space_program", ["echo ", "x"]),
    ("env_var_shell", ["$SHELL", "-c", "touch {C}"]),
    ("env_runs_blocked", ["env", "touch", "{C}"]),
    ("env_runs_shell", ["env", "sh", "-c", "touch {C}"]),
    ("env_assignment_then_interpreter", ["env", "X=1", "python3", "-c", "open('{C}','w')"]),
    ("env_split_string", ["env", "-S", "touch {C}"]),
    ("env_split_string_long", ["env", "--split-string=touch {C}"]),
    ("env_path_override", ["env", "PATH=/tmp", "canary.sh"]),
    ("env_absolute", ["env", "-i", "{S}"]),
    ("xargs_blocked", ["xargs", "touch", "{C}"]),
    ("xargs_shell", ["xargs", "-I{}", "sh", "-c", "touch {C}"]),
    ("xargs_no_program", ["xargs"]),
    ("find_exec", ["find", ".", "-exec", "touch", "{C}", ";"]),
    ("find_execdir", ["find", ".", "-execdir", "touch", "{C}", ";"]),
    ("find_ok", ["find", ".", "-ok", "touch", "{C}", ";"]),
    ("find_fprint", ["find", ".", "-fprint", "{I}"]),
    ("find_delete", ["find", ".", "-name", "keep.txt", "-delete"]),
    ("python_c", ["python3", "-c", "open('{C}','w')"]),
    ("python_clustered_c", ["python3", "-Ic", "open('{C}','w')"]),
    ("python_c_after_option_value", ["python3", "-X", "dev", "-c", "open('{C}','w')"]),
    ("python_c_attached", ["python3", "-copen('{C}','w')"]),
    ("perl_e", ["perl", "-e", "open(F,'>{C}')"]),
    ("perl_le", ["perl", "-le", "open(F,'>{C}')"]),
    ("perl_E", ["perl", "-E", "open(F,'>{C}')"]),
    ("awk_program", ["awk", 'BEGIN{system("touch {C}")}']),
    ("awk_source", ["awk", "-f", "/dev/null", "-e", 'BEGIN{system("touch {C}")}']),
    ("sed_e_command", ["sed", "-n", "1e touch {C}", "keep.txt"]),
    ("sed_s_e_flag", ["sed", "s/.*/touch {C}/e", "keep.txt"]),
    ("sed_w_command", ["sed", "-n", "w {I}", "keep.txt"]),
    ("nice_blocked", ["nice", "touch", "{C}"]),
    ("nice_shell", ["nice", "-n", "5", "sh", "-c", "touch {C}"]),
    ("timeout_blocked", ["timeout", "5", "touch", "{C}"]),
    ("timeout_interpreter", ["timeout", "5", "python3", "-c", "open('{C}','w')"]),
    ("timeout_signal_shell", ["timeout", "-s", "KILL", "5", "sh", "-c", "touch {C}"]),
    ("nested_wrappers", ["env", "nice", "timeout", "5", "env", "touch", "{C}"]),
    ("nohup", ["nohup", "touch", "{C}"]),
    ("sudo", ["sudo", "touch", "{C}"]),
    ("su_c", ["su", "-c", "touch {C}"]),
    ("tar_to_command", ["tar", "-cf", "/dev/null", "--to-command=touch {C}", "keep.txt"]),
    (
        "tar_checkpoint_action",
        ["tar", "--checkpoint=1", "--checkpoint-action=exec=touch {C}", "-cf", "x.tar", "keep.txt"],
    ),
    ("tar_compress_program", ["tar", "-I", "touch {C}", "-cf", "x.tar", "keep.txt"]),
    ("tar_bundled_absolute_names", ["tar", "-cPf", "x.tar", "keep.txt"]),
    ("sort_compress_program", ["sort", "--compress-program=touch", "keep.txt"]),
    ("git_pager", ["git", "-c", "core.pager=touch {C}", "log"]),
    ("watch", ["watch", "touch {C}"]),
    ("busybox", ["busybox", "touch", "{C}"]),
    ("nul_in_argument", ["echo", "x\x00touch {C}"]),
    ("absolute_path_argument", ["cat", "/etc/passwd"]),
    ("dotdot_argument", ["ls", "../"]),
    ("tilde_argument", ["ls", "~"]),
    ("option_value_outside", ["grep", "-r", "--file=/etc/passwd", "."]),
    ("git_dir_argument", ["cat", ".git/config"]),
    ("cwd_outside", {"argv": ["echo", "x"], "cwd": "../"}),
]


@pytest.fixture
def box(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "keep.txt").write_text("line one\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    canary_out, canary_in = tmp_path / "CANARY-OUTSIDE", root / "CANARY-INSIDE"
    script = root / "canary.sh"
    script.write_text(f"#!/bin/sh\ntouch '{canary_out}' '{canary_in}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return root, canary_out, canary_in, script


def _fill(value, c: Path, i: Path, s: Path):
    if isinstance(value, str):
        return value.replace("{C}", str(c)).replace("{I}", str(i)).replace("{S}", str(s))
    if isinstance(value, list):
        return [_fill(v, c, i, s) for v in value]
    return {k: _fill(v, c, i, s) for k, v in value.items()}


@pytest.mark.parametrize("case,attack", ATTACKS, ids=[c for c, _ in ATTACKS])
def test_no_bypass_runs_a_blocked_program(box, case, attack):
    root, canary_out, canary_in, script = box
    attack = _fill(attack, canary_out, canary_in, script)
    call = attack if isinstance(attack, dict) else {"argv": attack}
    try:
        result = shell.run_exec(
            CodeRoot(str(root)), call["argv"], allowlist=ALLOW, cwd=call.get("cwd"), timeout_s=20
        )
    except PlanDeskError as exc:
        assert exc.code in ("forbidden", "invalid_argument", "not_found"), exc.code
    else:
        # It ran: then only as an allowlisted program with literal arguments, never the blocked one.
        assert result["argv"][0] in ALLOW
        assert "root:x:0:0" not in result["stdout"]
    assert not canary_out.exists(), f"{case}: a blocked program ran (outside canary)"
    assert not canary_in.exists(), f"{case}: a blocked program ran (inside canary)"
    assert (root / "keep.txt").read_text() == "line one\n"


# The same wrappers and shells literally allowlisted: they still never run inline code or another program.
WIDE = ALLOW + [
    "sh",
    "bash",
    "dash",
    "git",
    "watch",
    "sudo",
    "su",
    "busybox",
    "nohup",
    "flock",
    "ssh",
    "parallel",
    "script",
    "stdbuf",
    "setsid",
]
WIDE_ATTACKS = [
    ("listed_sh_c", ["sh", "-c", "touch {C}"]),
    ("listed_bash_c", ["bash", "-c", "touch {C}"]),
    ("listed_bash_clustered_ec", ["bash", "-ec", "touch {C}"]),
    ("listed_bash_login_then_c", ["bash", "-l", "-c", "touch {C}"]),
    ("listed_dash_c", ["dash", "-c", "touch {C}"]),
    ("listed_bash_rcfile", ["bash", "--rcfile", "{S}", "-i"]),
    ("listed_git_alias", ["git", "-c", "alias.x=!touch {C}", "x"]),
    ("listed_watch", ["watch", "-n", "1", "echo", "$(touch {C})"]),
    ("listed_sudo", ["sudo", "touch", "{C}"]),
    ("listed_su", ["su", "-c", "touch {C}"]),
    ("listed_busybox", ["busybox", "touch", "{C}"]),
    ("listed_nohup_runs_blocked", ["nohup", "touch", "{C}"]),
    ("listed_flock_c", ["flock", "keep.txt", "-c", "touch {C}"]),
    ("listed_ssh", ["ssh", "localhost", "touch {C}"]),
    ("listed_parallel", ["parallel", "touch", ":::", "{C}"]),
    ("listed_script_c", ["script", "-q", "-c", "touch {C}", "keep.txt"]),
    ("listed_env_sh_c", ["env", "sh", "-c", "touch {C}"]),
    ("listed_stdbuf_shell", ["stdbuf", "-o0", "bash", "-c", "touch {C}"]),
    ("listed_setsid_blocked", ["setsid", "touch", "{C}"]),
]


@pytest.mark.parametrize("case,attack", WIDE_ATTACKS, ids=[c for c, _ in WIDE_ATTACKS])
def test_allowlisted_wrappers_still_run_no_inline_code_or_other_program(box, case, attack):
    root, canary_out, canary_in, script = box
    argv = _fill(attack, canary_out, canary_in, script)
    with pytest.raises(PlanDeskError) as caught:
        shell.run_exec(CodeRoot(str(root)), argv, allowlist=WIDE, timeout_s=20)
    assert caught.value.code in ("forbidden", "invalid_argument")
    assert not canary_out.exists(), f"{case}: a blocked program ran"
    assert not canary_in.exists(), f"{case}: a blocked program ran"


def test_an_allowlisted_shell_may_run_a_script_file_in_the_root(box):
    root = box[0]
    (root / "hello.sh").write_text("echo hello from a file\n")
    result = shell.run_exec(CodeRoot(str(root)), ["sh", "hello.sh"], allowlist=["sh"])
    assert result["stdout"] == "hello from a file\n"


def test_metacharacters_reach_the_program_as_literal_text(box):
    root = box[0]
    result = shell.run_exec(CodeRoot(str(root)), ["echo", "a; b", "$(c)", "`d`", "e|f", "*"], allowlist=ALLOW)
    assert result["exit_code"] == 0
    assert result["stdout"] == "a; b $(c) `d` e|f *\n"


def test_an_allowlisted_program_runs_in_the_root_with_a_scrubbed_environment(box, monkeypatch):
    root = box[0]
    monkeypatch.setenv("PLANDESK_SECRET_FOR_TEST", "must-not-leak")
    result = shell.run_exec(CodeRoot(str(root)), ["env"], allowlist=["env"])
    assert result["exit_code"] == 0
    assert "must-not-leak" not in result["stdout"]
    assert "PLANDESK" not in result["stdout"]
    pwd = shell.run_exec(CodeRoot(str(root)), ["python3", "-m", "unittest", "--help"], allowlist=["python3"])
    assert pwd["cwd"] == "."


def test_a_working_directory_inside_the_root_is_used(box):
    root = box[0]
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.txt").write_text("x")
    result = shell.run_exec(CodeRoot(str(root)), ["ls"], allowlist=ALLOW, cwd="pkg")
    assert result["stdout"].split() == ["mod.txt"]
    assert result["cwd"] == "pkg"


def test_a_program_past_its_timeout_is_killed_with_its_children(box):
    root = box[0]
    marker = f"300.{os.getpid()}{time.monotonic_ns() % 100000}"  # a sleep length no other process uses
    (root / "spin.py").write_text(
        "import subprocess, time\n"
        f"child = subprocess.Popen(['sleep', '{marker}'])\n"
        "open('child.started', 'w').write('yes')\n"
        "time.sleep(300)\n"
    )
    result = shell.run_exec(CodeRoot(str(root)), ["python3", "spin.py"], allowlist=["python3"], timeout_s=2)
    assert result["timed_out"] is True
    assert result["exit_code"] is None
    assert (root / "child.started").exists()
    # The child lives in the sandbox's own PID namespace: look for it by its command line on the host.
    wait_for_gone(marker, seconds=10)


def _alive_with(marker: str) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/stat") as f:
                if not f.read().split(") ", 1)[1].startswith("Z"):
                    return True
        except OSError:
            continue
    return False


def wait_for_gone(marker: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive_with(marker):
            return
        time.sleep(0.05)  # polling with a deadline
    raise AssertionError(f"a process running {marker!r} outlived its group's kill")


def test_output_is_capped(box):
    root = box[0]
    (root / "loud.py").write_text("import sys\nsys.stdout.write('x' * (3 * 1024 * 1024))\n")
    result = shell.run_exec(CodeRoot(str(root)), ["python3", "loud.py"], allowlist=["python3"])
    assert result["stdout_truncated"] is True
    assert len(result["stdout"]) == shell.OUTPUT_CAP


def test_the_network_is_cut_off_unless_the_project_allows_it(box):
    root = box[0]
    (root / "net.py").write_text("import socket\nprint(len(socket.if_nameindex()))\n")
    isolated = shell.run_exec(CodeRoot(str(root)), ["python3", "net.py"], allowlist=["python3"])
    if isolated["network"] == "isolated":
        assert isolated["stdout"].strip() == "1"  # only the namespace's own loopback
    shared = shell.run_exec(CodeRoot(str(root)), ["python3", "net.py"], allowlist=["python3"], network=True)
    assert shared["network"] == "shared"


def test_an_empty_allowlist_runs_nothing(box):
    root = box[0]
    with pytest.raises(PlanDeskError) as caught:
        shell.run_exec(CodeRoot(str(root)), ["echo", "x"], allowlist=[])
    assert caught.value.code == "forbidden"
    assert "allowlist is empty" in caught.value.message
