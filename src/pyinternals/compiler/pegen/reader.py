"""Reading a grammar file into the grammar model.

The notation is standard PEG with CPython's extensions (PEP 617)::

    # a comment
    @class PythonParser
    @header '''python code copied to the top of the generated module'''

    rule_name: alternative | alternative
    memoized_rule (memo):
        | a=item b=item { action(a, b) }
        | @(>=3.12) item item          # only on Python 3.12 and later
        | @(<3.12) item                # only before 3.12

Items: ``NAME`` (token type), ``rule``, ``'if'`` (keyword or operator),
``"match"`` (soft keyword), ``( ... )`` group, ``[ ... ]`` or ``e?``
optional, ``e*``, ``e+``, ``sep.e+`` gather, ``&e``, ``!e``, ``&&e``, ``~``.
A rule starts in the first column; its alternatives may continue on indented
lines.  CPython reads its meta-grammar with a parser generated from itself
(``Tools/peg_generator/pegen/metagrammar.gram``); this reader is written by
hand, which keeps the bootstrap out of the story.
"""

from __future__ import annotations

import re

from pyinternals.compiler.pegen.grammar import (
    Alt,
    Cut,
    Forced,
    Gather,
    Grammar,
    Group,
    Item,
    Keyword,
    Lookahead,
    NamedItem,
    Opt,
    Reference,
    Repeat,
    Rule,
    SoftKeyword,
)

__all__ = ["GrammarError", "read_grammar"]


class GrammarError(Exception):
    """A grammar file that does not follow the notation."""


_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<meta>@[A-Za-z_]+)
  | (?P<guard>@\([<>=0-9., ]*\))
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<string>'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*")
  | (?P<op2>&&)
  | (?P<punct>[:|()\[\]?*+&!~.=])
  | (?P<action>\{)
    """,
    re.VERBOSE | re.DOTALL,
)


def _scan_action(text: str, start: int) -> int:
    """Return the index just past the ``}`` closing the action at *start*.

    Braces inside Python string literals of the action do not count.
    """
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char in "'\"":
            end = text.find(char, index + 1)
            while end != -1 and text[end - 1] == "\\":
                end = text.find(char, end + 1)
            if end == -1:
                break
            index = end + 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise GrammarError(f"unclosed action at offset {start}")


def _tokenize(text: str) -> list[tuple[str, str, bool]]:
    """Split *text* into (kind, value, at_line_start) triples."""
    tokens: list[tuple[str, str, bool]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            line = text.count("\n", 0, pos) + 1
            raise GrammarError(f"line {line}: unexpected {text[pos]!r}")
        kind = match.lastgroup
        assert kind is not None
        at_start = pos == 0 or text[pos - 1] == "\n"
        if kind == "action":
            end = _scan_action(text, pos)
            tokens.append(("action", text[pos + 1 : end - 1].strip(), at_start))
            pos = end
            continue
        if kind == "guard":
            value = match.group()[2:-1].replace(" ", "")
        elif kind == "op2" or kind == "punct":
            kind, value = "punct", match.group()
        else:
            value = match.group()
        if kind != "space":
            tokens.append((kind, value, at_start))
        pos = match.end()
    tokens.append(("end", "", True))
    return tokens


class _Reader:
    """Recursive descent over the grammar file's tokens."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str, bool]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, str, bool]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, value: str) -> bool:
        kind, text, _ = self.peek()
        if kind == "punct" and text == value:
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise GrammarError(f"expected {value!r}, found {self.peek()[1]!r}")

    def grammar(self) -> Grammar:
        rules: list[Rule] = []
        metas: dict[str, str] = {}
        while self.peek()[0] != "end":
            kind, value, _ = self.take()
            if kind == "meta":
                arg_kind, arg, _ = self.take()
                if arg_kind == "string":
                    arg = arg[3:-3] if arg[:3] in ("'''", '"""') else arg[1:-1]
                metas[value[1:]] = arg
            elif kind == "name":
                rules.append(self.rule(value))
            else:
                raise GrammarError(f"expected a rule, found {value!r}")
        return Grammar(rules, metas)

    def rule(self, name: str) -> Rule:
        memo = False
        if self.accept("("):
            _, flag, _ = self.take()
            if flag != "memo":
                raise GrammarError(f"unknown rule flag {flag!r}")
            self.expect(")")
            memo = True
        self.expect(":")
        self.accept("|")
        return Rule(name, self.alts(top_level=True), memo=memo)

    def alts(self, top_level: bool = False) -> list[Alt]:
        alts = [self.alt(top_level)]
        while self.accept("|"):
            alts.append(self.alt(top_level))
        return alts

    def at_alt_end(self, top_level: bool) -> bool:
        kind, value, at_start = self.peek()
        if kind == "end" or (top_level and at_start):
            return True
        return kind == "punct" and value in "|)]"

    def alt(self, top_level: bool) -> Alt:
        since = before = None
        if self.peek()[0] == "guard":
            for condition in self.take()[1].split(","):
                version = condition.lstrip("<>=")
                major, minor = (int(part) for part in version.split("."))
                if condition.startswith("<"):
                    before = (major, minor)
                elif condition.startswith(">="):
                    since = (major, minor)
                else:
                    raise GrammarError(f"bad version guard {condition!r}")
        items: list[NamedItem] = []
        action = None
        while not self.at_alt_end(top_level):
            if self.peek()[0] == "action":
                action = self.take()[1]
                break
            items.append(self.named_item())
        if not items:
            raise GrammarError(f"empty alternative before {self.peek()[1]!r}")
        return Alt(tuple(items), action, since, before)

    def named_item(self) -> NamedItem:
        kind, value, _ = self.peek()
        following = self.tokens[self.pos + 1]
        if kind == "name" and following[:2] == ("punct", "="):
            self.pos += 2
            return NamedItem(value, self.prefixed())
        return NamedItem(None, self.prefixed())

    def prefixed(self) -> Item:
        if self.accept("&&"):
            return Forced(self.atom())
        if self.accept("&"):
            return Lookahead(self.atom(), positive=True)
        if self.accept("!"):
            return Lookahead(self.atom(), positive=False)
        if self.accept("~"):
            return Cut()
        return self.postfixed()

    def postfixed(self) -> Item:
        item = self.atom()
        if self.accept("?"):
            return Opt(item)
        if self.accept("*"):
            return Repeat(item, 0)
        if self.accept("+"):
            return Repeat(item, 1)
        if self.accept("."):
            element = self.atom()
            self.expect("+")
            return Gather(item, element)
        return item

    def atom(self) -> Item:
        kind, value, _ = self.take()
        if kind == "name":
            return Reference(value)
        if kind == "string":
            if value.startswith("'"):
                return Keyword(value[1:-1])
            return SoftKeyword(value[1:-1])
        if kind == "punct" and value == "(":
            alts = self.alts()
            self.expect(")")
            return _group(alts)
        if kind == "punct" and value == "[":
            alts = self.alts()
            self.expect("]")
            return Opt(_group(alts))
        raise GrammarError(f"unexpected {value!r} in an alternative")


def _group(alts: list[Alt]) -> Item:
    """Make a group, or return its only item if the parentheses add nothing."""
    if len(alts) == 1:
        (alt,) = alts
        if len(alt.items) == 1 and alt.action is None and alt.since is None:
            (item,) = alt.items
            if item.name is None and alt.before is None:
                return item.item
    return Group(tuple(alts))


def read_grammar(text: str) -> Grammar:
    """Read grammar *text* into a :class:`~.grammar.Grammar`.

    Raises :class:`GrammarError` on text that does not follow the notation.

    >>> grammar = read_grammar("start: a=NAME '=' b=NUMBER { (a, b) }")
    >>> print(grammar.rules[0])
    start: a=NAME '=' b=NUMBER { (a, b) }
    """
    return _Reader(text).grammar()
