"""Containment attacks on the file and search tools: every way out of the code root we know; none gets out.

Each case runs against a real tree holding a secret outside the root, symlinks inside it pointing out, a
hard link, a sibling directory with a prefix name and a .git directory. After each case nothing outside the
root has changed and no answer carries the secret.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from plandesk.connector import files, search
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import PlanDeskError

SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT"


@dataclass
class Tree:
    base: Path
    root: Path
    outside: Path

    def snapshot(self) -> dict:
        """Every entry outside the root, with content for files: the thing no case may change."""
        seen = {}
        for dirpath, dirnames, filenames in os.walk(self.base, followlinks=False):
            here = Path(dirpath)
            if here == self.root or self.root in here.parents:
                dirnames[:] = []
                continue
            for name in dirnames + filenames:
                p = here / name
                if p == self.root:
                    continue
                st = p.lstat()
                body = p.read_bytes() if p.is_file() and not p.is_symlink() else None
                seen[str(p)] = (st.st_mode, body)
        return seen


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    base, root, outside = tmp_path, tmp_path / "root", tmp_path / "outside"
    for d in (root, outside, tmp_path / "root-evil", tmp_path / 'root"', tmp_path / "root "):
        d.mkdir()
        (d / "secret.txt").write_text(SECRET) if d != root else None
    (root / "inside.txt").write_text("inside\n")
    (root / "sub").mkdir()
    (outside / "hard.txt").write_text(SECRET)
    os.link(outside / "hard.txt", root / "hard.txt")
    links = {
        "link_dir_out": str(outside),
        "link_dir_rel_out": "../outside",
        "link_file_out": str(outside / "secret.txt"),
        "sub/link_up_out": "../../outside/secret.txt",
        "link_etc": "/etc",
        "link_slash": "/",
        "link_parent_abs": str(root / ".."),
        "link_parent_rel": "..",
        "link_chain1": "link_chain2",
        "link_chain2": "link_dir_out",
        "dangling_out": str(outside / "created-through-link.txt"),
        "link_proc_root": "/proc/self/root",
        "link_mixed": "sub/../../outside",
        "link_loop": "link_loop",
        "link_abs_dotdot": f"{root}/../outside",
        "gitlink": ".git",
        "sub/deep_dir_out": "../link_dir_out",
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    (root / ".git" / "hooks").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    return Tree(base, root, outside)


# Each path is tried with every file operation. {base} and {root} are filled in from the tree.
ESCAPES = [
    ("dotdot", "../outside/secret.txt"),
    ("dotdot_etc", "../../../../../../etc/passwd"),
    ("dotdot_inside_sub", "sub/../../outside/secret.txt"),
    ("dot_then_dotdot", "./../outside/secret.txt"),
    ("dots_mixed", "sub/./../.././outside/secret.txt"),
    ("many_dotdots", "sub/" + "../" * 40 + "outside/secret.txt"),
    ("absolute_outside", "{base}/outside/secret.txt"),
    ("absolute_etc_passwd", "/etc/passwd"),
    ("absolute_etc_hostname", "/etc/hostname"),
    ("absolute_double_slash", "//etc/passwd"),
    ("sibling_prefix", "{base}/root-evil/secret.txt"),
    ("sibling_trailing_quote", '{base}/root"/secret.txt'),
    ("sibling_trailing_space", "{base}/root /secret.txt"),
    ("absolute_root_then_dotdot", "{root}/../outside/secret.txt"),
    ("absolute_through_link", "{root}/link_dir_out/secret.txt"),
    ("link_dir_absolute", "link_dir_out/secret.txt"),
    ("link_dir_relative", "link_dir_rel_out/secret.txt"),
    ("link_file", "link_file_out"),
    ("link_up_from_sub", "sub/link_up_out"),
    ("link_to_etc", "link_etc/passwd"),
    ("link_to_slash", "link_slash/etc/passwd"),
    ("link_to_parent_absolute", "link_parent_abs/outside/secret.txt"),
    ("link_to_parent_relative", "link_parent_rel/outside/secret.txt"),
    ("link_chain", "link_chain1/secret.txt"),
    ("link_to_proc_root", "link_proc_root/etc/passwd"),
    ("link_with_dotdot_target", "link_mixed/secret.txt"),
    ("link_absolute_dotdot_target", "link_abs_dotdot/secret.txt"),
    ("link_loop", "link_loop/x"),
    ("link_to_link_out", "sub/deep_dir_out/secret.txt"),
    ("proc_self_root", "/proc/self/root/etc/passwd"),
    ("proc_self_cwd", "/proc/self/cwd/secret.txt"),
    ("dev_stdin", "/dev/stdin"),
    ("tilde_home", "~/.bashrc"),
    ("tilde_user", "~root/.profile"),
    ("url_encoded", "..%2foutside%2fsecret.txt"),
    ("url_encoded_dots", "%2e%2e/outside/secret.txt"),
    ("double_encoded", "%252e%252e%252foutside%252fsecret.txt"),
    ("backslashes", "..\\outside\\secret.txt"),
    ("fullwidth_dots", "\uff0e\uff0e/outside/secret.txt"),
    ("one_dot_leaders", "\u2024\u2024/outside/secret.txt"),
    ("zero_width_joiner", "..\u200b/outside/secret.txt"),
    ("trailing_space_dotdot", ".. /outside/secret.txt"),
    ("three_dots", ".../outside/secret.txt"),
    ("case_variant_link", "LINK_DIR_OUT/secret.txt"),
    ("case_variant_absolute", "{base}/OUTSIDE/secret.txt"),
    ("case_variant_root", "{base}/Root/../outside/secret.txt"),
    ("nul_byte", "inside.txt\x00../../outside/secret.txt"),
    ("nul_in_dotdot", "..\x00/outside/secret.txt"),
    ("newline", "sub\n../outside/secret.txt"),
    ("very_long", "a" * 5000),
    ("very_deep", "/".join(["d"] * 3000)),
    ("long_component", "x" * 300 + "/secret.txt"),
    ("git_config", ".git/config"),
    ("git_hook", ".git/hooks/pre-commit"),
    ("git_upper_case", ".GIT/config"),
    ("git_through_link", "gitlink/config"),
    ("hard_link", "hard.txt"),
    ("dangling_link_out", "dangling_out"),
    ("new_file_under_link", "link_dir_out/new.txt"),
    ("new_dirs_under_link", "link_dir_out/a/b/c.txt"),
    ("new_file_under_chain", "link_chain1/new.txt"),
]
OPERATIONS = ("read", "write", "create", "str_replace", "search")


def _attempt(root: CodeRoot, op: str, path: str):
    if op == "read":
        return files.read_file(root, path)
    if op == "write":
        return files.write_file(root, path, "written by the attack\n")
    if op == "create":
        return files.write_file(root, path, "created by the attack\n", create_only=True)
    if op == "str_replace":
        return files.str_replace(root, path, SECRET, "pwned")
    return search.grep(root, "SECRET", path=path, include_ignored=True)


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("case,raw", ESCAPES, ids=[c for c, _ in ESCAPES])
def test_no_path_leaves_the_code_root(tree: Tree, case: str, raw: str, op: str):
    path = raw.replace("{base}", str(tree.base)).replace("{root}", str(tree.root))
    before = tree.snapshot()
    root = CodeRoot(str(tree.root))
    try:
        answer = _attempt(root, op, path)
    except PlanDeskError as exc:
        assert exc.code in ("forbidden", "invalid_argument", "not_found", "conflict"), exc.code
        answer = exc.as_dict()
    assert SECRET not in repr(answer), f"{case}/{op} returned the secret"
    assert tree.snapshot() == before, f"{case}/{op} changed something outside the root"


def test_a_uniform_refusal_for_every_kind_of_escape(tree: Tree):
    root = CodeRoot(str(tree.root))
    messages = set()
    for raw in (
        "../outside/secret.txt",
        "link_dir_out/secret.txt",
        f"{tree.base}/root-evil/secret.txt",
        "link_file_out",
    ):
        with pytest.raises(PlanDeskError) as caught:
            files.read_file(root, raw)
        messages.add((caught.value.code, caught.value.message))
    assert messages == {("forbidden", "the path is outside the project's code root")}


def test_links_that_stay_inside_the_root_are_followed(tree: Tree):
    os.symlink("inside.txt", tree.root / "alias.txt")
    os.symlink("../inside.txt", tree.root / "sub" / "up.txt")
    root = CodeRoot(str(tree.root))
    assert files.read_file(root, "alias.txt")["content"] == "inside\n"
    assert files.read_file(root, "sub/up.txt")["path"] == "inside.txt"


def test_a_directory_swapped_for_a_link_between_check_and_write_never_writes_outside(tree: Tree):
    """The TOCTOU race of GHSA-53mr-w429-c597: a thread flips root/swap between a real directory and a link
    to the outside while writes and reads go through it, 1,000 times."""
    root = CodeRoot(str(tree.root))
    swap, real = tree.root / "swap", tree.root / "swap-real"
    real.mkdir()
    (real / "secret.txt").write_text("inside copy\n")
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            for target in (str(tree.outside), "swap-real"):
                tmp = tree.root / "swap.tmp"
                try:
                    os.symlink(target, tmp)
                    os.replace(tmp, swap)
                except OSError:
                    pass

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    leaks = 0
    try:
        for i in range(1000):
            try:
                files.write_file(root, f"swap/raced-{i}.txt", "raced\n")
            except PlanDeskError:
                pass
            try:
                if SECRET in (files.read_file(root, "swap/secret.txt").get("content") or ""):
                    leaks += 1
            except PlanDeskError:
                pass
    finally:
        stop.set()
        flipper.join(timeout=10)
    assert leaks == 0
    assert not list(tree.outside.glob("raced-*")), "a write landed outside the root"


def test_a_file_swapped_for_a_link_after_resolution_is_not_followed(tree: Tree):
    """The final component flips between a file and a link to the secret while it is read and replaced."""
    root = CodeRoot(str(tree.root))
    target = tree.root / "flip.txt"
    target.write_text("harmless\n")
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            tmp = tree.root / "flip.tmp"
            try:
                os.symlink(str(tree.outside / "secret.txt"), tmp)
                os.replace(tmp, target)
                tmp.write_text("harmless\n")
                os.replace(tmp, target)
            except OSError:
                pass

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    before = (tree.outside / "secret.txt").read_text()
    try:
        for _ in range(1000):
            for op in ("read", "str_replace"):
                try:
                    answer = (
                        files.read_file(root, "flip.txt")
                        if op == "read"
                        else files.str_replace(root, "flip.txt", "harmless", "harmless")
                    )
                    assert SECRET not in repr(answer)
                except PlanDeskError:
                    pass
    finally:
        stop.set()
        flipper.join(timeout=10)
    assert (tree.outside / "secret.txt").read_text() == before
