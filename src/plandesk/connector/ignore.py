"""Git's ignore rules (.gitignore files and .git/info/exclude) and glob patterns, compiled to regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass


def translate(glob: str) -> str:
    """A gitignore-style glob as a regex over '/'-separated paths: * and ? stay inside one name, ** crosses."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                at_start = i == 0 or glob[i - 1] == "/"
                j = i + 2
                if at_start and j < n and glob[j] == "/":
                    out.append("(?:.*/)?")  # "**/" : zero or more whole directories
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")  # trailing "/**": everything inside
                    i = j
                    continue
                out.append("[^/]*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.find("]", i + 2 if glob[i + 1:i + 2] in ("!", "^") else i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1:j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Rule:
    regex: re.Pattern
    negate: bool
    dir_only: bool
    anchored: bool  # matched against the path from the .gitignore's directory, else against the name


def parse_rules(text: str) -> list[Rule]:
    rules: list[Rule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        try:
            regex = re.compile(translate(line) + r"\Z", re.DOTALL)
        except re.error:
            continue  # git ignores a pattern it cannot read; so do we
        rules.append(Rule(regex, negate, dir_only, anchored))
    return rules


@dataclass
class Level:
    """The rules of one directory's .gitignore, applied to paths below that directory."""

    base: str  # relative path of the directory from the root ("" for the root)
    rules: list[Rule]


def decide(levels: list[Level], rel: str, name: str, is_dir: bool) -> bool:
    """True when `rel` is ignored: the last matching rule wins, deeper files after shallower ones."""
    ignored = False
    for level in levels:
        if level.base:
            if not rel.startswith(level.base + "/"):
                continue
            sub = rel[len(level.base) + 1:]
        else:
            sub = rel
        for rule in reversed(level.rules):
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(sub if rule.anchored else name):
                ignored = not rule.negate
                break
    return ignored


def glob_matcher(glob: str):
    """A predicate over (relative path, name): a glob with '/' matches the path, one without matches the name."""
    regex = re.compile(translate(glob.lstrip("/")) + r"\Z", re.DOTALL)
    if "/" in glob:
        return lambda rel, name: regex.match(rel) is not None
    return lambda rel, name: regex.match(name) is not None
