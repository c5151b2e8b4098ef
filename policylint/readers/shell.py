"""Just enough shell to read commands out of scripts, Makefile recipes and CI YAML steps.

``commands(text, flavour)`` splits a text into commands of words, each word with its value
after quote removal and the expansion of variables set to literals earlier in the same file.
Anything that cannot be known statically (command substitution, positional parameters, a
variable set from the environment) makes the word's value ``Unknown`` with the reason.

Makefiles and CI YAML are first turned into a *shell view*: a text of the same length in which
what is not a command (make assignments and targets, YAML keys) is blanked out, so that every
offset still points at the original file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from policylint.model import Unknown

SHELL, MAKE, YAML, POWERSHELL = "shell", "make", "yaml", "powershell"

Value = Union[str, Unknown]


@dataclass(frozen=True)
class Word:
    value: Value
    start: int
    end: int
    literal_at: int | None = None  # offset where ``value`` appears verbatim in the text
    assign: str | None = None  # NAME of a leading ``NAME=value`` word (value is the value)


@dataclass(frozen=True)
class Comment:
    text: str
    start: int


@dataclass
class Parsed:
    commands: list[list[Word]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_BREAK = " \t\r\n;&|<>()"
_SCRIPT_DIR = re.compile(r"""dirname\s+(?:"(?:\$0|\$\{0\}|\$\{BASH_SOURCE(?:\[0\])?\})"|\$0|"""
                         r"""\$\{BASH_SOURCE(?:\[0\])?\})""")
_COMMAND_PREFIXES = frozenset({"export", "local", "readonly", "declare", "typeset"})


def parse(text: str, flavour: str = SHELL, script_dir: str | None = None) -> Parsed:
    """The commands and comments of a shell script, Makefile or CI YAML file. ``script_dir``,
    when given, is the value of ``$(dirname "$0")`` (the idiom scripts use to find files)."""
    variables: dict[str, Word] = {}
    if flavour == MAKE:
        text, variables = make_view(text)
    elif flavour == YAML:
        text, variables = yaml_view(text)
    elif flavour == POWERSHELL:
        # PowerShell continues lines with a backtick (same length, so offsets still hold)
        text = text.replace("`\r\n", "\\\r\n").replace("`\n", "\\\n")
    return _Lexer(text, flavour, variables, script_dir).run()


# --- views ------------------------------------------------------------------------------------

_MAKE_ASSIGN = re.compile(
    r"^(?:(?:export|override)\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(::?=|:::=|\?=|\+=|!=|=)[ \t]*(.*)$")


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def make_view(text: str) -> tuple[str, dict[str, Word]]:
    """Recipe lines (tab-indented) stay, with their ``@-+`` prefixes blanked; assignments become
    variables; everything else is blanked."""
    out: list[str] = []
    variables: dict[str, Word] = {}
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if line.startswith("\t"):
            m = re.match(r"\t[ \t]*[@+\-]*", body)
            cut = m.end() if m else 1
            out.append(_blank(line[:cut]) + line[cut:])
        elif body.lstrip().startswith("#"):
            out.append(line)
        else:
            m = _MAKE_ASSIGN.match(body)
            if m and m.group(2) != "!=":
                value = m.group(3).split("#", 1)[0].rstrip()
                if "$" in value:
                    val: Value = Unknown(f"make variable {m.group(1)} is computed ({value})")
                    variables[m.group(1)] = Word(val, offset, offset + len(body))
                else:
                    variables[m.group(1)] = Word(value, offset, offset + len(body),
                                                 offset + m.start(3))
            out.append(_blank(line))
        offset += len(line)
    return "".join(out), variables


_YAML_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<dash>(?:-[ \t]+)*)"
    r"(?:(?P<key>[\w.\-]+|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+|$))?(?P<rest>.*)$")
_BLOCK = re.compile(r"^[|>][-+0-9]*[ \t]*(?:#.*)?$")
COMMAND_KEYS = frozenset({"run", "script", "before_script", "after_script", "command",
                          "commands", "cmd", "shell", "entrypoint", "args", "inline"})


def yaml_view(text: str) -> tuple[str, dict[str, Word]]:
    """Command values (``run:``, ``script:`` items, block scalars under them) stay; scalar
    ``KEY: value`` pairs (``env:``, ``variables:``) become variables; the rest is blanked."""
    out: list[str] = []
    variables: dict[str, Word] = {}
    block: int | None = None
    folded = False
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        indent = len(body) - len(body.lstrip(" \t"))
        if block is not None and (not body.strip() or indent > block):
            if folded and body.strip() and out and out[-1].strip() and out[-1].endswith("\n"):
                out[-1] = out[-1][:-1] + " "  # a folded scalar: one shell line (same length)
            out.append(line)
            offset += len(line)
            continue
        block = None
        m = _YAML_LINE.match(body)
        if body.lstrip().startswith("#") or m is None:
            out.append(line if m is None or body.lstrip().startswith("#") else _blank(line))
            offset += len(line)
            continue
        key = m.group("key")
        rest = m.group("rest")
        if _BLOCK.match(rest):
            block = len(m.group("indent")) + (len(m.group("dash")) if key else 0)
            folded = rest.startswith(">")
            out.append(_blank(line))
        elif key is None or key.strip("\"'").lower() in COMMAND_KEYS:
            out.append(_blank(line[:m.start("rest")]) + _unquote_yaml(line[m.start("rest"):]))
        else:
            name = key.strip("\"'")
            scalar = _yaml_scalar(rest)
            if scalar is not None and _NAME.fullmatch(name):
                value, at = scalar
                variables[name] = Word(value, offset, offset + len(body),
                                       offset + m.start("rest") + at)
            out.append(_blank(line))
        offset += len(line)
    return "".join(out), variables


def _unquote_yaml(rest: str) -> str:
    """Blank the quotes of a quoted YAML scalar holding a command (same length)."""
    body = rest.rstrip("\r\n")
    tail = rest[len(body):]
    stripped = body.rstrip()
    if len(stripped) >= 2 and stripped[0] in "\"'" and stripped[-1] == stripped[0]:
        return " " + stripped[1:-1] + " " + body[len(stripped):] + tail
    return rest


def _yaml_scalar(rest: str) -> tuple[str, int] | None:
    """(value, offset in rest) of a plain or quoted one-line YAML scalar; None otherwise."""
    rest = rest.rstrip()
    if not rest or rest[0] in "[{&*!|>#":
        return None
    if rest[0] in "\"'" and len(rest) >= 2:
        end = rest.find(rest[0], 1)
        return (rest[1:end], 1) if end > 0 else None
    return re.split(r"[ \t]+#", rest, maxsplit=1)[0], 0


# --- the lexer --------------------------------------------------------------------------------

class _Lexer:
    def __init__(self, text: str, flavour: str, variables: dict[str, Word],
                 script_dir: str | None = None) -> None:
        self.text = text
        self.n = len(text)
        self.flavour = flavour
        self.script_dir = script_dir
        self.vars = dict(variables)
        self.out = Parsed()
        self.heredocs: list[tuple[str, bool]] = []

    def run(self) -> Parsed:
        words: list[Word] = []
        leading = True
        i = 0
        text, n = self.text, self.n
        while i < n:
            c = text[i]
            if c in " \t\r":
                i += 1
            elif c == "\\" and text.startswith("\n", i + 1):
                i += 2
            elif c == "\\" and text.startswith("\r\n", i + 1):
                i += 3
            elif c == "\n":
                self._end(words)
                words = []
                i = self._skip_heredocs(i + 1)
            elif c == "#":
                j = text.find("\n", i)
                j = n if j < 0 else j
                self.out.comments.append(Comment(text[i + 1:j], i))
                i = j
            elif text.startswith("<<<", i):
                i += 3
            elif text.startswith("<<", i):
                i = self._heredoc(i + 2)
            elif c in ";&|()":
                self._end(words)
                words = []
                i += 1
            elif c in "<>":
                i += 1
            else:
                # NAME=value is an assignment only before the command's first other word
                leading = not words or (leading and _leading(words[-1]))
                word, i = self._word(i, leading)
                words.append(word)
        self._end(words)
        return self.out

    def _end(self, words: list[Word]) -> None:
        """Finish a command: record assignments, keep the command if it runs something."""
        if not words:
            return
        rest = words
        if isinstance(rest[0].value, str) and rest[0].value in _COMMAND_PREFIXES:
            rest = rest[1:]
        if rest and all(w.assign for w in rest):
            for w in rest:
                assert w.assign is not None
                value = w.value
                if isinstance(value, Unknown):
                    value = Unknown(f"variable {w.assign} is set from a value not known "
                                    f"statically ({value.reason})")
                self.vars[w.assign] = Word(value, w.start, w.end, w.literal_at)
            return
        self.out.commands.append(words)

    # heredocs: their bodies are data, never commands
    def _heredoc(self, i: int) -> int:
        text = self.text
        dash = text.startswith("-", i)
        i += 1 if dash else 0
        while i < self.n and text[i] in " \t":
            i += 1
        _word, j = self._word(i)
        raw = text[i:j].strip("'\"\\")
        if raw:
            self.heredocs.append((raw, dash))
        return j

    def _skip_heredocs(self, i: int) -> int:
        text = self.text
        for delim, dash in self.heredocs:
            while i < self.n:
                j = text.find("\n", i)
                j = self.n if j < 0 else j
                line = text[i:j].rstrip("\r")
                i = j + 1
                if (line.lstrip("\t") if dash else line) == delim:
                    break
        self.heredocs = []
        return min(i, self.n)

    # words
    def _word(self, i: int, may_assign: bool = False) -> tuple[Word, int]:
        text = self.text
        start = i
        assign = None
        m = _ASSIGN.match(text, i) if may_assign else None
        if m:
            assign, i = m.group(1), m.end()
        parts: list[Value] = []
        segments: list[int | None] = []  # verbatim offset of each part (None: not verbatim)
        while i < self.n and text[i] not in _BREAK:
            c = text[i]
            if c == "'":
                j = text.find("'", i + 1)
                j = self.n if j < 0 else j
                parts.append(text[i + 1:j])
                segments.append(i + 1)
                i = j + 1
            elif c == '"':
                value, verbatim, i = self._double(i + 1)
                parts.append(value)
                segments.append(verbatim)
            elif c in "$`":
                value, verbatim, i = self._substitution(i)
                parts.append(value)
                segments.append(verbatim)
            elif c == "\\" and i + 1 < self.n:
                if text[i + 1] != "\n":
                    parts.append(text[i + 1])
                    segments.append(None)
                i += 2
            else:
                j = i
                while j < self.n and text[j] not in _BREAK and text[j] not in "'\"$`\\":
                    j += 1
                j = max(j, i + 1)  # a backslash ending the text: literal (else no progress)
                parts.append(text[i:j])
                segments.append(i)
                i = j
        verbatim = segments[0] if len(segments) == 1 else None
        i = min(i, self.n)  # an unclosed quote or substitution ends with the text, not past it
        return Word(_join(parts), start, i, verbatim, assign), i

    def _double(self, i: int) -> tuple[Value, int | None, int]:
        """A double-quoted string from after its opening quote: (value, verbatim offset, end)."""
        text = self.text
        parts: list[Value] = []
        segments: list[int | None] = []
        begin = i
        while i < self.n and text[i] != '"':
            c = text[i]
            if c == "\\" and i + 1 < self.n:
                nxt = text[i + 1]
                if nxt in '"\\$`':
                    parts.append(nxt)
                elif nxt != "\n":
                    parts.append(c + nxt)
                segments.append(None)
                i += 2
            elif c in "$`":
                value, inner, i = self._substitution(i)
                parts.append(value)
                segments.append(inner)
            else:
                j = i
                while j < self.n and text[j] not in '"\\$`':
                    j += 1
                j = max(j, i + 1)  # a backslash ending the text: literal (else no progress)
                parts.append(text[i:j])
                segments.append(i)
                i = j
        verbatim = segments[0] if len(segments) == 1 else (begin if not segments else None)
        return _join(parts), verbatim, i + 1

    def _substitution(self, i: int) -> tuple[Value, int | None, int]:
        """An expansion at ``$`` or a backquoted command: (value, verbatim offset, end)."""
        if self.text[i] == "`":
            j = self.text.find("`", i + 1)
            j = self.n if j < 0 else j
            return Unknown(f"command substitution `{self.text[i + 1:j][:60]}`"), None, j + 1
        return self._dollar(i)

    def _dollar(self, i: int) -> tuple[Value, int | None, int]:
        """An expansion at ``$``: (value, verbatim offset of a literal variable, end)."""
        text = self.text
        nxt = text[i + 1] if i + 1 < self.n else ""
        if self.flavour == MAKE and nxt == "$":
            return self._shell_dollar(i + 1)
        if self.flavour == MAKE and nxt in "({":
            close = ")" if nxt == "(" else "}"
            j = text.find(close, i + 2)
            j = self.n if j < 0 else j
            return self._lookup(text[i + 2:j].strip(), "make variable") + (j + 1,)
        if self.flavour == YAML and text.startswith("${{", i):
            j = text.find("}}", i + 3)
            j = self.n if j < 0 else j
            expr = text[i + 3:j].strip()
            if expr.startswith("env."):
                return self._lookup(expr[4:], "env") + (j + 2,)
            return Unknown(f"${{{{ {expr} }}}} is set at run time"), None, j + 2
        return self._shell_dollar(i)

    def _shell_dollar(self, i: int) -> tuple[Value, int | None, int]:
        text = self.text
        nxt = text[i + 1] if i + 1 < self.n else ""
        if nxt == "(":
            j = _matching_paren(text, i + 1)
            inner = text[i + 2:j]
            if self.script_dir is not None and _SCRIPT_DIR.fullmatch(inner.strip()):
                return self.script_dir, None, j + 1  # $(dirname "$0"): the script's folder
            return Unknown(f"command substitution $({inner[:60]})"), None, j + 1
        if nxt == "{":
            j = text.find("}", i + 2)
            j = self.n if j < 0 else j
            inner = text[i + 2:j]
            m = _NAME.match(inner)
            if m and m.end() == len(inner):
                return self._lookup(inner, "shell variable") + (j + 1,)
            return Unknown(f"${{{inner[:60]}}} is expanded at run time"), None, j + 1
        m = _NAME.match(text, i + 1)
        if m:
            return self._lookup(m.group(), "shell variable") + (m.end(),)
        if nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            return Unknown(f"${nxt} is a run-time parameter"), None, i + 2
        return "$", None, i + 1

    def _lookup(self, name: str, what: str) -> tuple[Value, int | None]:
        w = self.vars.get(name)
        if w is None:
            return Unknown(f"{what} {name} is not set to a literal in this file"), None
        return w.value, w.literal_at


def _leading(w: Word) -> bool:
    """A word that may come before a command's name: an assignment or ``export``-like."""
    return w.assign is not None or w.value in _COMMAND_PREFIXES


def _matching_paren(text: str, i: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``i`` (quotes skipped roughly)."""
    depth = 0
    j = i
    quote = ""
    while j < len(text):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return len(text)


def _join(parts: list[Value]) -> Value:
    unknown = next((p for p in parts if isinstance(p, Unknown)), None)
    if unknown is not None:
        return unknown
    return "".join(p for p in parts if isinstance(p, str))

