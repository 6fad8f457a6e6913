"""SQL split into tokens as each engine's own lexer splits it: whitespace, comments, quoting, escapes, identifiers.

The checker is only as good as its agreement with the server. Each rule below mirrors the server's lexer, checked
against the servers themselves (PostgreSQL 15, MariaDB 10.11, SQLite 3):
- PostgreSQL ends a `--` comment at LF *or CR*, nests `/* */`, reads `U&"..."` and `U&'...'` with Unicode escapes
  (and `UESCAPE 'c'`), `E'...'` with backslashes, `$tag$...$tag$` (tags may hold any non-ASCII letter), and takes
  every non-ASCII character (a non-breaking space too) as part of an identifier.
- MariaDB starts a `--` comment only when an ASCII space or control character follows (`--` then U+00A0 is code:
  two minus signs and an identifier), runs the body of `/*! ... */` and `/*M! ... */` as code, and reads
  backslash escapes in '...' and "..." (the connector clears ANSI_QUOTES and NO_BACKSLASH_ESCAPES to match).
- Identifier text is normalised the way name lookup works: unquoted names folded to lower case, quoted ones kept.
Anything unterminated or undecodable is refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plandesk.core.errors import InvalidArgument

# Each engine's own whitespace: what its lexer skips between tokens. Nothing outside ASCII is whitespace to any of
# them, so U+00A0 or U+2003 is an identifier character, as the servers read it.
SPACE = {"postgresql": " \t\n\r\f", "mysql": " \t\n\r\f\v", "sqlite": " \t\n\r\f"}
_IDENT = {
    # PostgreSQL and SQLite: a letter, '_' or any non-ASCII character, then those, digits and '$'.
    "postgresql": re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*"),
    "sqlite": re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*"),
    # MariaDB: [0-9A-Za-z$_] and U+0080..U+FFFF; a name may start with a digit.
    "mysql": re.compile(r"[A-Za-z0-9_$\u0080-\uffff]+"),
}
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|0[bB][01]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# PostgreSQL dollar-quote tags: the identifier alphabet without '$' and not starting with a digit.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")
_HEX = re.compile(r"[0-9A-Fa-f]+")


@dataclass(frozen=True)
class Token:
    kind: str  # word | ident (quoted identifier) | string | number | punct | semicolon
    text: str  # for words and identifiers: the name as the server looks it up


class SqlRefused(InvalidArgument):
    def __init__(self, message: str):
        super().__init__(message, field="sql")


def _control(ch: str) -> bool:
    return ord(ch) < 32 or ord(ch) == 127


class _Lexer:
    def __init__(self, sql: str, engine: str):
        self.sql, self.engine, self.n = sql, engine, len(sql)
        self.pg, self.mysql = engine == "postgresql", engine == "mysql"
        self.space = SPACE[engine]
        self.out: list[Token] = []
        self.in_executable = False  # inside MariaDB's /*! ... */, whose body is code

    def run(self) -> list[Token]:
        i = 0
        while i < self.n:
            i = self.step(i)
        if self.in_executable:
            raise SqlRefused("the SQL has an unterminated /*! comment")
        return self.out

    def step(self, i: int) -> int:
        sql, c = self.sql, self.sql[i]
        if c in self.space:
            return i + 1
        if sql.startswith("--", i) and self._line_comment_at(i):
            return self._skip_line(i)
        if c == "#" and self.mysql:
            return self._skip_line(i)
        if self.in_executable and sql.startswith("*/", i):
            self.in_executable = False
            return i + 2
        if sql.startswith("/*", i):
            return self._block_comment(i)
        # Names swallow any letters before them, so reaching a 'U' here means it starts a token.
        if self.pg and c in "uU" and sql[i + 1 : i + 3] in ('&"', "&'"):
            return self._unicode_escaped(i)
        if c == "'" or (c == '"' and self.mysql):
            backslash = self.mysql or (self.pg and self._prefix_e(i))
            j, text = _quoted(sql, i, c, backslash)
            self.out.append(Token("string", text))
            return j
        if c in '"`' or (c == "[" and self.engine == "sqlite"):
            j, text = _quoted(sql, i, c, False, close="]" if c == "[" else c)
            self.out.append(Token("ident", text))
            return j
        if c == "$" and self.pg:  # a '$' inside a name was taken with the name
            m = _DOLLAR_TAG.match(sql, i)
            if m:
                end = sql.find(m.group(0), m.end())
                if end == -1:
                    raise SqlRefused("the SQL has an unterminated $$ string")
                self.out.append(Token("string", sql[m.end() : end]))
                return end + len(m.group(0))
        m = _IDENT[self.engine].match(sql, i)
        if m and not (c.isdigit() and not self.mysql):
            word = m.group(0)
            if self.mysql and _NUMBER.fullmatch(word):
                self.out.append(Token("number", word))
            else:
                self.out.append(Token("word", _fold(word)))
            return m.end()
        m = _NUMBER.match(sql, i)
        if m:
            self.out.append(Token("number", m.group(0)))
            return m.end()
        self.out.append(Token("semicolon" if c == ";" else "punct", c))
        return i + 1

    def _prefix_e(self, i: int) -> bool:
        if not (
            self.out and self.out[-1].kind == "word" and self.out[-1].text == "e" and self.sql[i - 1] in "Ee"
        ):
            return False
        self.out.pop()  # E'...' is one string token: the escape-string form
        return True

    def _line_comment_at(self, i: int) -> bool:
        if not self.mysql:
            return True
        # MariaDB: "--" starts a comment only before an ASCII space or control character, or at the end.
        nxt = self.sql[i + 2] if i + 2 < self.n else ""
        return nxt == "" or nxt in self.space or _control(nxt)

    def _skip_line(self, i: int) -> int:
        ends = "\n\r" if self.pg else "\n"  # PostgreSQL's comment stops at CR too; the others read on to LF
        j = i
        while j < self.n and self.sql[j] not in ends:
            j += 1
        return j + 1

    def _block_comment(self, i: int) -> int:
        sql = self.sql
        if self.mysql and (sql.startswith("/*!", i) or sql.startswith("/*M!", i)):
            if self.in_executable:
                raise SqlRefused("nested MariaDB executable comments are refused")
            j = i + (3 if sql[i + 2] == "!" else 4)
            digits = 0
            while j < self.n and sql[j].isdigit() and digits < 6:  # the server's version gate, if any
                j, digits = j + 1, digits + 1
            # The body is code on a new enough server: read it as code, so nothing hides in it.
            self.in_executable = True
            return j
        depth, j = 1, i + 2
        while j < self.n and depth:
            if self.pg and sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        if depth:
            raise SqlRefused("the SQL has an unterminated /* comment")
        return j

    def _unicode_escaped(self, i: int) -> int:
        quote = self.sql[i + 2]
        j, raw = _quoted(self.sql, i + 2, quote, False)
        escape, j = self._uescape(j)
        text = decode_unicode_escapes(raw, escape)
        self.out.append(Token("ident" if quote == '"' else "string", text))
        return j

    def _uescape(self, j: int) -> tuple[str, int]:
        """An optional UESCAPE 'c' after a U& literal, comments and whitespace allowed in between."""
        k = j
        while True:
            while k < self.n and self.sql[k] in self.space:
                k += 1
            if self.sql.startswith("--", k):
                k = self._skip_line(k)
            elif self.sql.startswith("/*", k):
                k = self._block_comment(k)
            else:
                break
        m = re.compile(r"uescape", re.IGNORECASE).match(self.sql, k)
        if not m or (m.end() < self.n and _IDENT["postgresql"].fullmatch(self.sql[m.end()])):
            return "\\", j
        k = m.end()
        while k < self.n and (self.sql[k] in self.space):
            k += 1
        if k >= self.n or self.sql[k] != "'":
            raise SqlRefused("UESCAPE must be followed by a one-character string")
        k, esc = _quoted(self.sql, k, "'", False)
        if len(esc) != 1 or esc in "0123456789abcdefABCDEF+'\"" or esc in self.space:
            raise SqlRefused("invalid UESCAPE character")
        return esc, k


def _fold(word: str) -> str:
    # Unquoted names are looked up case-insensitively (PostgreSQL folds ASCII letters only; so do we, by
    # lowering everything, which can only refuse more).
    return word.lower()


def decode_unicode_escapes(raw: str, escape: str = "\\") -> str:
    """PostgreSQL's U& decoding: \\XXXX, \\+XXXXXX, a doubled escape, surrogate pairs joined."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch != escape:
            out.append(ch)
            i += 1
            continue
        if raw.startswith(escape, i + 1):
            out.append(escape)
            i += 2
            continue
        if raw.startswith("+", i + 1):
            digits, i = raw[i + 2 : i + 8], i + 8
        else:
            digits, i = raw[i + 1 : i + 5], i + 5
        if not _HEX.fullmatch(digits) or len(digits) not in (4, 6):
            raise SqlRefused("invalid Unicode escape in a U& string or identifier")
        code = int(digits, 16)
        if out and 0xD800 <= ord(out[-1]) <= 0xDBFF and 0xDC00 <= code <= 0xDFFF:
            code = 0x10000 + ((ord(out.pop()) - 0xD800) << 10) + (code - 0xDC00)
        if code > 0x10FFFF or code == 0:
            raise SqlRefused("invalid Unicode escape in a U& string or identifier")
        out.append(chr(code))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in out):
        raise SqlRefused("invalid Unicode surrogate in a U& string or identifier")
    return "".join(out)


def _quoted(sql: str, i: int, quote: str, backslash: bool, close: str | None = None) -> tuple[int, str]:
    close = close or quote
    j, n = i + 1, len(sql)
    buf = []
    while j < n:
        ch = sql[j]
        if backslash and ch == "\\":
            buf.append(sql[j : j + 2])
            j += 2
            continue
        if ch == close:
            if close != "]" and j + 1 < n and sql[j + 1] == close:  # doubled quote: a literal quote
                buf.append(ch)
                j += 2
                continue
            return j + 1, "".join(buf)
        buf.append(ch)
        j += 1
    raise SqlRefused("the SQL has an unterminated quoted string or identifier")


def tokenize(sql: str, engine: str) -> list[Token]:
    """Tokens as the engine reads them; comments dropped (executable ones kept as code)."""
    return _Lexer(sql, engine).run()
