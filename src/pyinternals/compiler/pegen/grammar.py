"""The grammar model: the objects a grammar file is read into.

A :class:`Grammar` is a list of :class:`Rule` objects plus a few
meta-directives (``@header``, ``@class``).  A rule is an ordered choice of
:class:`Alt` alternatives; an alternative is a sequence of items, each
optionally named, and an optional action written in Python.  Items are the
PEG operators: tokens, rule references, groups, ``[e]``/``e?``, ``e*``,
``e+``, ``s.e+`` (gather), ``&e``/``!e`` (lookaheads), ``&&e`` (forced) and
``~`` (cut).  The model mirrors the one in CPython's
``Tools/peg_generator/pegen/grammar.py``, written smaller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Alt",
    "Cut",
    "Forced",
    "Gather",
    "Grammar",
    "Group",
    "Item",
    "Keyword",
    "Lookahead",
    "NamedItem",
    "Opt",
    "Reference",
    "Repeat",
    "Rule",
    "SoftKeyword",
]


@dataclass(frozen=True)
class Keyword:
    """A literal token written in single quotes: a keyword or an operator.

    >>> str(Keyword("if"))
    "'if'"
    """

    value: str

    def __str__(self) -> str:
        return f"'{self.value}'"


@dataclass(frozen=True)
class SoftKeyword:
    """A name that is a keyword only in context, written in double quotes.

    >>> str(SoftKeyword("match"))
    '"match"'
    """

    value: str

    def __str__(self) -> str:
        return f'"{self.value}"'


@dataclass(frozen=True)
class Reference:
    """A rule name, or a token type when written in upper case (``NAME``).

    >>> Reference("NAME").is_token, Reference("expr").is_token
    (True, False)
    """

    name: str

    @property
    def is_token(self) -> bool:
        """Whether this names a token type rather than a rule."""
        return self.name.isupper()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Group:
    """A parenthesised choice ``( a | b )``.

    >>> str(Group((Alt((NamedItem(None, Keyword("a")),)),)))
    "('a')"
    """

    alts: tuple[Alt, ...]

    def __str__(self) -> str:
        return "(" + " | ".join(map(str, self.alts)) + ")"


@dataclass(frozen=True)
class Opt:
    """An optional item, ``[e]`` or ``e?``: always succeeds, value or None.

    >>> str(Opt(Reference("x")))
    'x?'
    """

    item: Item

    def __str__(self) -> str:
        return f"{self.item}?"


@dataclass(frozen=True)
class Repeat:
    """``e*`` (*min_count* 0) or ``e+`` (*min_count* 1): a list of values.

    >>> str(Repeat(Reference("x"), 1))
    'x+'
    """

    item: Item
    min_count: int

    def __str__(self) -> str:
        return f"{self.item}{'*' if self.min_count == 0 else '+'}"


@dataclass(frozen=True)
class Gather:
    """``sep.elem+``: one or more *elem* separated by *sep*, the list of elems.

    >>> str(Gather(Keyword(","), Reference("x")))
    "','.x+"
    """

    separator: Item
    item: Item

    def __str__(self) -> str:
        return f"{self.separator}.{self.item}+"


@dataclass(frozen=True)
class Lookahead:
    """``&e`` (*positive*) or ``!e``: test *e* without consuming input.

    >>> str(Lookahead(Keyword("("), positive=False))
    "!'('"
    """

    item: Item
    positive: bool

    def __str__(self) -> str:
        return f"{'&' if self.positive else '!'}{self.item}"


@dataclass(frozen=True)
class Forced:
    """``&&e``: *e* must follow, or the parse stops with "expected e".

    >>> str(Forced(Keyword(":")))
    "&&':'"
    """

    item: Item

    def __str__(self) -> str:
        return f"&&{self.item}"


@dataclass(frozen=True)
class Cut:
    """``~``: once passed, a failure of this alternative fails the rule.

    >>> str(Cut())
    '~'
    """

    def __str__(self) -> str:
        return "~"


Item = (
    Keyword
    | SoftKeyword
    | Reference
    | Group
    | Opt
    | Repeat
    | Gather
    | Lookahead
    | Forced
    | Cut
)


@dataclass(frozen=True)
class NamedItem:
    """An item of an alternative, with the variable name its action uses.

    >>> str(NamedItem("a", Reference("expr")))
    'a=expr'
    """

    name: str | None
    item: Item

    def __str__(self) -> str:
        return f"{self.name}={self.item}" if self.name else str(self.item)


@dataclass(frozen=True)
class Alt:
    """One alternative: items, an optional action and a version guard.

    *since* and *before* restrict the alternative to interpreters whose
    version is at least *since* / below *before* (``@(>=3.12)``,
    ``@(<3.12)`` in the grammar file).

    >>> str(Alt((NamedItem("a", Reference("x")),), action="a"))
    'a=x { a }'
    """

    items: tuple[NamedItem, ...]
    action: str | None = None
    since: tuple[int, int] | None = None
    before: tuple[int, int] | None = None

    def __str__(self) -> str:
        text = " ".join(map(str, self.items))
        return f"{text} {{ {self.action} }}" if self.action else text


@dataclass
class Rule:
    """A named rule: an ordered choice of alternatives.

    *memo* asks for packrat memoization; *left_recursive* and *leader* are
    filled in by the generator's analysis.

    >>> Rule("start", [Alt((NamedItem(None, Reference("NAME")),))]).name
    'start'
    """

    name: str
    alts: list[Alt]
    memo: bool = False
    left_recursive: bool = False
    leader: bool = False

    def __str__(self) -> str:
        flag = " (memo)" if self.memo else ""
        return f"{self.name}{flag}: " + " | ".join(map(str, self.alts))


@dataclass
class Grammar:
    """Rules in file order, plus the ``@name value`` meta-directives.

    >>> Grammar([], {"class": "P"}).metas["class"]
    'P'
    """

    rules: list[Rule]
    metas: dict[str, str] = field(default_factory=dict)

    @property
    def rules_by_name(self) -> dict[str, Rule]:
        """The rules, keyed by name."""
        return {rule.name: rule for rule in self.rules}
