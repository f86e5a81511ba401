"""Turning a grammar into the Python source of a parser class.

Each rule becomes a method that tries its alternatives in order; each
alternative becomes one ``if`` whose condition is a chain of item tests
joined by ``and`` (the walrus operator binds the named items), followed by
the action.  Groups, loops and gathers become small helper methods named
after their rule.  Before emitting code the generator finds the
left-recursive rules (:func:`left_recursive_leaders`) and wraps their
leaders in the seed-growing loop of :meth:`.runtime.Parser._grow_seed`;
rules marked ``(memo)`` get a packrat table.  This is the shape of CPython's
``Tools/peg_generator/pegen/python_generator.py`` and ``c_generator.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
from pyinternals.compiler.pegen.reader import GrammarError

__all__ = ["generate", "left_recursive_leaders", "nullable_rules"]

_EXTRA = (
    "lineno=_start[0], col_offset=_start[1], end_lineno=_end[0], end_col_offset=_end[1]"
)


def _item_nullable(item: Item, nullable: set[str]) -> bool:
    if isinstance(item, (Opt, Lookahead, Cut)):
        return True
    if isinstance(item, Repeat):
        return item.min_count == 0 or _item_nullable(item.item, nullable)
    if isinstance(item, Gather):
        return _item_nullable(item.item, nullable)
    if isinstance(item, Group):
        return any(_alt_nullable(alt, nullable) for alt in item.alts)
    if isinstance(item, Reference):
        return item.name in nullable
    return False


def _alt_nullable(alt: Alt, nullable: set[str]) -> bool:
    return all(_item_nullable(named.item, nullable) for named in alt.items)


def nullable_rules(grammar: Grammar) -> set[str]:
    r"""Return the rules that can succeed without consuming a token.

    >>> from pyinternals.compiler.pegen.reader import read_grammar
    >>> sorted(nullable_rules(read_grammar("a: b? | 'x'\nb: 'y'")))
    ['a']
    """
    nullable: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in grammar.rules:
            if rule.name not in nullable and any(
                _alt_nullable(alt, nullable) for alt in rule.alts
            ):
                nullable.add(rule.name)
                changed = True
    return nullable


def _leftmost(item: Item, nullable: set[str]) -> Iterator[str]:
    """Names of the rules *item* may call before consuming any token."""
    if isinstance(item, Reference):
        if not item.is_token:
            yield item.name
    elif isinstance(item, (Opt, Repeat, Forced, Lookahead, Gather)):
        yield from _leftmost(item.item, nullable)
    elif isinstance(item, Group):
        for alt in item.alts:
            yield from _alt_leftmost(alt, nullable)


def _alt_leftmost(alt: Alt, nullable: set[str]) -> Iterator[str]:
    for named in alt.items:
        yield from _leftmost(named.item, nullable)
        if not _item_nullable(named.item, nullable):
            break


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components of *graph*."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return components


def left_recursive_leaders(grammar: Grammar) -> set[str]:
    r"""Mark left-recursive rules and return the leaders of their cycles.

    A rule is left-recursive when it can call itself, directly or through
    other rules, before consuming a token.  In each cycle one rule, the
    *leader*, gets the seed-growing loop; the others are plain rules that
    reach the leader's memo entry.  A leader must lie on every cycle of its
    strongly connected component (CPython's ``compute_left_recursives`` in
    ``pegen/parser_generator.py`` solves the same problem).

    >>> from pyinternals.compiler.pegen.reader import read_grammar
    >>> g = read_grammar("e: e '+' t | t\nt: NUMBER")
    >>> left_recursive_leaders(g)
    {'e'}
    """
    nullable = nullable_rules(grammar)
    graph = {
        rule.name: {name for alt in rule.alts for name in _alt_leftmost(alt, nullable)}
        for rule in grammar.rules
    }
    rules = grammar.rules_by_name
    leaders: set[str] = set()
    for component in _strongly_connected(graph):
        members = set(component)
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        for name in component:
            rules[name].left_recursive = True
        for candidate in sorted(component):
            rest = {
                name: graph[name] & (members - {candidate})
                for name in members - {candidate}
            }
            if all(
                len(part) == 1 and part[0] not in rest[part[0]]
                for part in _strongly_connected(rest)
            ):
                rules[candidate].leader = True
                leaders.add(candidate)
                break
        else:
            raise GrammarError(f"no leader breaks the left-recursive {component}")
    return leaders


class _RuleWriter:
    """Writes one rule's method and its helper methods."""

    def __init__(self, generator: _Generator, rule: Rule) -> None:
        self.generator = generator
        self.rule = rule
        self.helpers = 0

    def helper_name(self, kind: str) -> str:
        self.helpers += 1
        return f"_{self.rule.name}_{kind}{self.helpers}"

    def value(self, item: Item) -> str:
        """Write an expression giving the item's value, or None on failure."""
        if isinstance(item, Keyword):
            return f"self._expect({item.value!r})"
        if isinstance(item, SoftKeyword):
            return f"self._expect_soft({item.value!r})"
        if isinstance(item, Reference):
            if item.name == "SOFT_KEYWORD":
                return "self._soft_keyword()"
            if item.is_token:
                return f"self._expect({item.name!r})"
            if item.name not in self.generator.rules:
                raise GrammarError(f"unknown rule {item.name!r}")
            return f"self.{item.name}()"
        if isinstance(item, Group):
            name = self.helper_name("group")
            self.generator.emit_alts_method(name, self, list(item.alts), str(item))
            return f"self.{name}()"
        if isinstance(item, Repeat):
            name = self.helper_name("loop")
            element = self.value(item.item)
            body = [
                "items = []",
                f"while (item := {element}) is not None:",
                "    items.append(item)",
            ]
            if item.min_count:
                body.append("return items or None")
            else:
                body.append("return items")
            self.generator.emit_method(name, str(item), body)
            return f"self.{name}()"
        if isinstance(item, Gather):
            name = self.helper_name("gather")
            separator = self.value(item.separator)
            element = self.value(item.item)
            body = [
                f"first = {element}",
                "if first is None:",
                "    return None",
                "items = [first]",
                "while True:",
                "    mark = self._pos",
                f"    if {separator} is None:",
                "        break",
                f"    if (item := {element}) is None:",
                "        self._pos = mark",
                "        break",
                "    items.append(item)",
                "return items",
            ]
            self.generator.emit_method(name, str(item), body)
            return f"self.{name}()"
        if isinstance(item, Opt):
            return self.value(item.item)
        raise GrammarError(f"{item} has no value")

    def kinds(self, item: Item) -> list[str] | None:
        """List the token kinds *item* matches, if it is a choice of tokens."""
        if isinstance(item, Keyword):
            return [item.value]
        if isinstance(item, Reference) and item.is_token:
            return None if item.name == "SOFT_KEYWORD" else [item.name]
        if isinstance(item, Group):
            kinds: list[str] = []
            for alt in item.alts:
                if len(alt.items) != 1 or alt.action or alt.since or alt.before:
                    return None
                sub = self.kinds(alt.items[0].item)
                if sub is None:
                    return None
                kinds.extend(sub)
            return kinds
        return None

    def condition(self, named: NamedItem) -> str:
        """One link of an alternative's ``and`` chain."""
        item = named.item
        if isinstance(item, Cut):
            return "(cut := True)"
        if isinstance(item, Lookahead):
            kinds = self.kinds(item.item)
            if kinds is not None:
                if len(kinds) == 1:
                    op = "==" if item.positive else "!="
                    return f"self._kinds[self._pos] {op} {kinds[0]!r}"
                op = "in" if item.positive else "not in"
                return f"self._kinds[self._pos] {op} {tuple(kinds)!r}"
            if isinstance(item.item, SoftKeyword):
                test = f"self._at_soft({item.item.value!r})"
                return test if item.positive else f"not {test}"
            call = self.value(item.item)
            assert call.endswith("()")
            which = "_positive" if item.positive else "_negative"
            return f"self.{which}({call[:-2]})"
        if isinstance(item, Forced):
            if not isinstance(item.item, Keyword):
                raise GrammarError(f"only tokens can be forced: {item}")
            call = f"self._expect_forced({item.item.value!r}, {str(item.item)!r})"
            return f"({named.name} := {call})" if named.name else call
        value = self.value(item)
        target = f"({named.name} := {value})" if named.name else value
        if isinstance(item, Opt):
            return f"({target} or True)"
        return f"{target} is not None"

    def alt_lines(self, alt: Alt, default_name: str) -> list[str]:
        """Write the ``if`` statement (and reset) that tries one alternative."""
        items = list(alt.items)
        action = alt.action
        if action is None:
            # The value of the only item that has one, else a mere success.
            valued = [
                index
                for index, named in enumerate(items)
                if not isinstance(named.item, (Lookahead, Cut))
            ]
            if len(valued) == 1:
                (index,) = valued
                name = items[index].name or default_name
                items[index] = NamedItem(name, items[index].item)
                action = name
            else:
                action = "True"
        used = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", action))
        items = [
            named
            if named.name is None or named.name in used
            else NamedItem(None, named.item)
            for named in items
        ]
        conditions = [self.condition(named) for named in items]
        has_cut = any(isinstance(named.item, Cut) for named in items)
        lines = []
        if has_cut:
            lines.append("cut = False")
        lines.append("if (")
        lines.extend(
            f"    {cond}" if i == 0 else f"    and {cond}"
            for i, cond in enumerate(conditions)
        )
        lines.append("):")
        if "EXTRA" in used:
            lines.append("    _start = self._tokens[_mark].start")
            lines.append("    _end = self._ends[self._pos - 1]")
            action = re.sub(r"\bEXTRA\b", _EXTRA, action)
        action_lines = [line.strip() for line in action.splitlines()]
        if len(action_lines) == 1:
            lines.append(f"    return {action_lines[0]}")
        else:
            lines.append("    return (")
            lines.extend(f"        {line}" for line in action_lines)
            lines.append("    )")
        lines.append("self._pos = _mark")
        if has_cut:
            lines.append("if cut:")
            lines.append("    return None")
        if any(
            isinstance(named.item, Reference) and named.item.name.startswith("invalid_")
            for named in alt.items
        ):
            lines = ["if self._call_invalid_rules:", *(f"    {x}" for x in lines)]
        if alt.since or alt.before:
            tests = []
            if alt.since:
                tests.append(f"sys.version_info >= {alt.since!r}")
            if alt.before:
                tests.append(f"sys.version_info < {alt.before!r}")
            test = " and ".join(tests)
            self.generator.uses_sys = True
            lines = [f"if {test}:", *(f"    {x}" for x in lines)]
        return lines

    def body(self, alts: list[Alt]) -> list[str]:
        lines = []
        for alt in alts:
            lines.extend(self.alt_lines(alt, "_value"))
        # Declared once, so that alternatives may bind a name to different types.
        names = sorted(set(re.findall(r"\((\w+) := ", "\n".join(lines))) - {"cut"})
        return [
            "_mark = self._pos",
            *(f"{name}: Any" for name in names),
            *lines,
            "return None",
        ]


class _Generator:
    """Accumulates the methods of the generated class."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.rules = grammar.rules_by_name
        self.methods: list[list[str]] = []
        self.uses_sys = False
        self.memo_tables: list[str] = []

    def emit_method(self, name: str, comment: str, body: list[str]) -> None:
        lines = [f"def {name}(self) -> Any:", f"    # {comment}"]
        lines.extend(f"    {line}" if line else "" for line in body)
        self.methods.append(lines)

    def emit_alts_method(
        self, name: str, writer: _RuleWriter, alts: list[Alt], comment: str
    ) -> None:
        position = len(self.methods)
        body = writer.body(alts)
        lines = [f"def {name}(self) -> Any:", f"    # {comment}"]
        lines.extend(f"    {line}" for line in body)
        self.methods.insert(position, lines)

    def emit_rule(self, rule: Rule) -> None:
        writer = _RuleWriter(self, rule)
        comment = f"{rule.name}: " + " | ".join(str(alt) for alt in rule.alts)
        comment = comment.replace("\n", " ")
        without_invalid = rule.name.endswith("_without_invalid")
        if not (rule.leader or rule.memo or without_invalid):
            self.emit_alts_method(rule.name, writer, rule.alts, comment)
            return
        inner = f"_{rule.name}_alternatives"
        wrapper: list[str]
        if without_invalid:
            wrapper = [
                "saved = self._call_invalid_rules",
                "self._call_invalid_rules = False",
                "try:",
                f"    return self.{inner}()",
                "finally:",
                "    self._call_invalid_rules = saved",
            ]
        else:
            table = f"self._memo_{rule.name}"
            self.memo_tables.append(table)
            wrapper = [
                f"hit = {table}.get(self._pos)",
                "if hit is not None:",
                "    self._pos = hit[1]",
                "    return hit[0]",
            ]
            if rule.leader:
                wrapper.append(f"return self._grow_seed({table}, self.{inner})")
            else:
                wrapper += [
                    "start = self._pos",
                    f"result = self.{inner}()",
                    f"{table}[start] = (result, self._pos)",
                    "return result",
                ]
        self.emit_method(rule.name, comment, wrapper)
        self.emit_alts_method(inner, writer, rule.alts, "the alternatives")

    def source(self, source_name: str) -> str:
        for item in _all_items(self.grammar):
            if (
                isinstance(item, Reference)
                and not item.is_token
                and item.name not in self.rules
            ):
                raise GrammarError(f"unknown rule {item.name!r}")
        left_recursive_leaders(self.grammar)
        for rule in self.grammar.rules:
            self.emit_rule(rule)
        metas = self.grammar.metas
        class_name = metas.get("class", "GeneratedParser")
        soft = sorted(
            {
                item.value
                for item in _all_items(self.grammar)
                if isinstance(item, SoftKeyword)
            }
        )
        out = [
            f"# Generated by pyinternals.compiler.pegen from {source_name}.",
            "# Do not edit: change the grammar and regenerate.",
            metas.get("header", "").strip("\n"),
            "",
        ]
        if self.uses_sys:
            out.insert(3, "import sys")
        out += [
            "",
            f"class {class_name}({metas.get('base', 'Parser')}):",
            f'    """{metas.get("doc", "The parser generated from the grammar.")}"""',
            "",
            f"    SOFT_KEYWORDS = frozenset({soft!r})",
            "",
            "    def _reset_memos(self) -> None:",
        ]
        out += [f"        {table}: Memo = {{}}" for table in self.memo_tables]
        if not self.memo_tables:
            out.append("        pass")
        for method in self.methods:
            out.append("")
            out.extend(f"    {line}" if line else "" for line in method)
        trailer = metas.get("trailer", "").strip("\n")
        if trailer:
            out += ["", "", trailer]
        return "\n".join(out) + "\n"


def _all_items(grammar: Grammar) -> Iterator[Item]:
    def walk(item: Item) -> Iterator[Item]:
        yield item
        if isinstance(item, Group):
            for alt in item.alts:
                for named in alt.items:
                    yield from walk(named.item)
        elif isinstance(item, (Opt, Repeat, Lookahead, Forced)):
            yield from walk(item.item)
        elif isinstance(item, Gather):
            yield from walk(item.separator)
            yield from walk(item.item)

    for rule in grammar.rules:
        for alt in rule.alts:
            for named in alt.items:
                yield from walk(named.item)


def generate(grammar: Grammar, source_name: str = "<grammar>") -> str:
    """Return the Python source of a parser class for *grammar*.

    The class is named by the grammar's ``@class`` directive and derives
    from ``@base`` (default ``Parser``, which the ``@header`` must import
    together with ``Any`` and ``Memo``).

    >>> from pyinternals.compiler.pegen.reader import read_grammar
    >>> text = generate(read_grammar("start: a=NAME { a.string }"))
    >>> "def start(self) -> Any:" in text
    True
    """
    return _Generator(grammar).source(source_name)
