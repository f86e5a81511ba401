r"""Structural pattern matching: the ``match`` statement (PEP 634).

Each ``case`` tries its pattern against a copy of the subject. A pattern
consumes the object on top of the stack and either falls through (a match)
or jumps to a *failure* label. Because a failing sub-pattern may leave
values on the stack (the items of a sequence being unpacked, names captured
so far), failure labels come in a ladder: ``fail_pop[n]`` pops ``n`` items
and falls into ``fail_pop[n-1]``. Captured names are not stored until the
whole pattern has matched; until then they wait on the stack, under the
values still being matched (``pattern_context`` in ``Python/compile.c``).

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("match p:\n    case [x, 1]: pass"), "<demo>")
>>> "MATCH_SEQUENCE" in [i.opname for i in top.code.instructions()]
True
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pyinternals.compiler.codegen.core import PY313, Compiler, loc, statement
from pyinternals.compiler.codegen.expressions import add_compare, jump_if
from pyinternals.compiler.instructions import NO_LOCATION, Label, Location

__all__ = ["PatternContext", "pattern"]


@dataclass
class PatternContext:
    """The state of matching one pattern (``pattern_context``).

    *stores*: names captured so far, in order; *allow_irrefutable*: whether
    a pattern that always matches is allowed here; *fail_pop*: the failure
    ladder; *on_top*: how many values above the captures must stay on top.

    >>> PatternContext().stores
    []
    """

    stores: list[str] = field(default_factory=list)
    allow_irrefutable: bool = False
    fail_pop: list[Label] = field(default_factory=list)
    on_top: int = 0


def _is_wildcard(p: ast.pattern) -> bool:
    return isinstance(p, ast.MatchAs) and p.name is None and p.pattern is None


def _is_wildcard_star(p: ast.pattern) -> bool:
    return isinstance(p, ast.MatchStar) and p.name is None


def _at(c: Compiler, p: ast.AST) -> Location:
    """Where a pattern's instructions are: its own span (3.11: current)."""
    return loc(p) if PY313 else c.unit.where


def _ensure_fail_pop(pc: PatternContext, n: int) -> None:
    while len(pc.fail_pop) < n + 1:
        pc.fail_pop.append(Label())


def _jump_to_fail_pop(
    c: Compiler, where: Location, pc: PatternContext, op: str
) -> None:
    """Jump to the failure label that pops what is on the stack now."""
    pops = pc.on_top + len(pc.stores)
    _ensure_fail_pop(pc, pops)
    c.emit(where, op, pc.fail_pop[pops])
    if not PY313 and op != "JUMP":
        c.use_label(Label())


def _emit_and_reset_fail_pop(c: Compiler, where: Location, pc: PatternContext) -> None:
    """Place the failure ladder: each rung pops one item and falls through."""
    if not pc.fail_pop:
        return
    for label in reversed(pc.fail_pop[1:]):
        c.use_label(label)
        c.emit(where, "POP_TOP")
    c.use_label(pc.fail_pop[0])
    pc.fail_pop = []


def _rotate(c: Compiler, where: Location, count: int) -> None:
    """Move the top item *count* - 1 places down, with swaps."""
    while count > 1:
        c.emit(where, "SWAP", count)
        count -= 1


def _store_name(
    c: Compiler, where: Location, name: str | None, pc: PatternContext
) -> None:
    """Capture the top item for *name*: rotate it under what must stay on top."""
    if name is None:
        c.emit(where, "POP_TOP")
        return
    c.check_forbidden(where, name, ast.Store())
    if name in pc.stores:
        c.fail(where, f"multiple assignments to name {name!r} in pattern")
    _rotate(c, where, pc.on_top + len(pc.stores) + 1)
    pc.stores.append(name)


def _unpack(c: Compiler, where: Location, patterns: list[ast.pattern]) -> None:
    """Unpack the subject into one value per sub-pattern (``*rest`` allowed)."""
    seen_star = False
    n = len(patterns)
    for i, pattern in enumerate(patterns):
        if isinstance(pattern, ast.MatchStar) and not seen_star:
            if i >= 1 << 8 or n - i - 1 >= (2**31 - 1) >> 8:
                c.fail(where, "too many expressions in star-unpacking sequence pattern")
            c.emit(where, "UNPACK_EX", i + ((n - i - 1) << 8))
            seen_star = True
        elif isinstance(pattern, ast.MatchStar):
            c.fail(where, "multiple starred expressions in sequence pattern")
    if not seen_star:
        c.emit(where, "UNPACK_SEQUENCE", n)


def _subpattern(c: Compiler, p: ast.pattern, pc: PatternContext) -> None:
    """Match a sub-pattern, where an irrefutable one is always allowed."""
    saved = pc.allow_irrefutable
    pc.allow_irrefutable = True
    pattern(c, p, pc)
    pc.allow_irrefutable = saved


def _sequence_unpack(
    c: Compiler, where: Location, patterns: list[ast.pattern], pc: PatternContext
) -> None:
    _unpack(c, where, patterns)
    pc.on_top += len(patterns)
    for sub in patterns:
        pc.on_top -= 1
        _subpattern(c, sub, pc)


def _sequence_subscript(
    c: Compiler,
    where: Location,
    patterns: list[ast.pattern],
    star: int,
    pc: PatternContext,
) -> None:
    """Match ``[a, *_, b]`` by indexing instead of unpacking the whole sequence."""
    pc.on_top += 1
    size = len(patterns)
    for i, sub in enumerate(patterns):
        if _is_wildcard(sub) or i == star:
            continue
        c.emit(where, "COPY", 1)
        if i < star:
            c.load_const(where, i)
        else:
            c.emit(where, "GET_LEN")
            c.load_const(where, size - i)
            c.emit(where, "BINARY_OP", 10)
        c.emit(where, "BINARY_SUBSCR")
        _subpattern(c, sub, pc)
        if not PY313:
            where = c.unit.where
    pc.on_top -= 1
    c.emit(where, "POP_TOP")


def _as(c: Compiler, p: ast.MatchAs, pc: PatternContext) -> None:
    """``pattern as name``, a capture ``name``, or the wildcard ``_``."""
    where = _at(c, p)
    if p.pattern is None:
        if not pc.allow_irrefutable:
            if p.name is not None:
                c.fail(
                    loc(p),
                    f"name capture {p.name!r} makes remaining patterns unreachable",
                )
            c.fail(loc(p), "wildcard makes remaining patterns unreachable")
        _store_name(c, where, p.name, pc)
        return
    pc.on_top += 1
    c.emit(where, "COPY", 1)
    pattern(c, p.pattern, pc)
    pc.on_top -= 1
    _store_name(c, _at(c, p), p.name, pc)


def _star(c: Compiler, p: ast.MatchStar, pc: PatternContext) -> None:
    _store_name(c, _at(c, p), p.name, pc)


def _validate_kwd_attrs(
    c: Compiler, attrs: list[str], patterns: list[ast.pattern]
) -> None:
    for i, attr in enumerate(attrs):
        where = loc(patterns[i])
        c.check_forbidden(where, attr, ast.Store())
        for j in range(i + 1, len(attrs)):
            if attrs[j] == attr:
                c.fail(
                    loc(patterns[j]),
                    f"attribute name repeated in class pattern: {attr}",
                    exact=True,
                )


def _class(c: Compiler, p: ast.MatchClass, pc: PatternContext) -> None:
    """``Cls(a, b, key=c)``: ``MATCH_CLASS`` returns the attributes, or None."""
    patterns = p.patterns
    attrs = p.kwd_attrs
    kwd_patterns = p.kwd_patterns
    if len(attrs) != len(kwd_patterns):
        c.fail(
            loc(p),
            f"kwd_attrs ({len(attrs)}) / kwd_patterns ({len(kwd_patterns)}) "
            "length mismatch in class pattern",
        )
    if attrs:
        _validate_kwd_attrs(c, attrs, kwd_patterns)
    c.visit_expr(p.cls)
    where = _at(c, p)
    c.load_const(where, tuple(attrs))
    c.emit(where, "MATCH_CLASS", len(patterns))
    c.emit(where, "COPY", 1)
    c.load_const(where, None)
    c.emit(where, "IS_OP", 1)
    pc.on_top += 1
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    total = len(patterns) + len(attrs)
    c.emit(where, "UNPACK_SEQUENCE", total)
    pc.on_top += total - 1
    for sub in [*patterns, *kwd_patterns]:
        pc.on_top -= 1
        if _is_wildcard(sub):
            c.emit(where if PY313 else c.unit.where, "POP_TOP")
            continue
        _subpattern(c, sub, pc)


def _mapping(c: Compiler, p: ast.MatchMapping, pc: PatternContext) -> None:
    """``{key: pattern, **rest}``: ``MATCH_KEYS`` looks all keys up at once."""
    where = _at(c, p)
    keys = p.keys
    patterns = p.patterns
    size = len(keys)
    if size != len(patterns):
        c.fail(
            loc(p),
            f"keys ({size}) / patterns ({len(patterns)}) length mismatch in "
            "mapping pattern",
        )
    star_target = p.rest
    pc.on_top += 1
    c.emit(where, "MATCH_MAPPING")
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    if not size and not star_target:
        pc.on_top -= 1
        c.emit(where, "POP_TOP")
        return
    if size:
        c.emit(where, "GET_LEN")
        c.load_const(where, size)
        add_compare(c, where, ast.GtE())
        _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    seen: list[object] = []
    for i, key in enumerate(keys):
        if key is None:
            c.fail(
                loc(patterns[i]),
                "can't use NULL keys in MatchMapping (set 'rest' parameter instead)",
            )
        if isinstance(key, ast.Constant):
            if any(_same_key(key.value, other) for other in seen):
                c.fail(loc(p), f"mapping pattern checks duplicate key ({key.value!r})")
            seen.append(key.value)
        elif not isinstance(key, ast.Attribute):
            c.fail(
                loc(p),
                "mapping pattern keys may only match literals and attribute lookups",
            )
        c.visit_expr(key)
    c.emit(where, "BUILD_TUPLE", size)
    c.emit(where, "MATCH_KEYS")
    pc.on_top += 2
    c.emit(where, "COPY", 1)
    c.load_const(where, None)
    c.emit(where, "IS_OP", 1)
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    c.emit(where, "UNPACK_SEQUENCE", size)
    pc.on_top += size - 1
    for sub in patterns:
        pc.on_top -= 1
        _subpattern(c, sub, pc)
    where = _at(c, p)
    pc.on_top -= 2
    if star_target is not None:
        c.emit(where, "BUILD_MAP", 0)
        c.emit(where, "SWAP", 3)
        c.emit(where, "DICT_UPDATE", 2)
        c.emit(where, "UNPACK_SEQUENCE", size)
        while size:
            c.emit(where, "COPY", 1 + size)
            size -= 1
            c.emit(where, "SWAP", 2)
            c.emit(where, "DELETE_SUBSCR")
        _store_name(c, where, star_target, pc)
    else:
        c.emit(where, "POP_TOP")
        c.emit(where, "POP_TOP")


def _same_key(a: object, b: object) -> bool:
    """Whether two constant keys are the same set member (``PySet_Contains``)."""
    try:
        return len({a, b}) == 1
    except TypeError:
        return False


def _or(c: Compiler, p: ast.MatchOr, pc: PatternContext) -> None:
    """Match ``a | b | c``: each alternative must bind the same names.

    A later alternative that binds them in another order has its captures
    rotated into the first one's order (``compiler_pattern_or``).
    """
    end = Label()
    where = _at(c, p)
    old_stores, old_allow = pc.stores, pc.allow_irrefutable
    old_fail_pop, old_on_top = pc.fail_pop, pc.on_top
    control: list[str] | None = None
    for i, alt in enumerate(p.patterns):
        pc.stores = []
        pc.allow_irrefutable = i == len(p.patterns) - 1 and old_allow
        pc.fail_pop = []
        pc.on_top = 0
        c.emit(loc(alt) if PY313 else _alt_where(c, alt), "COPY", 1)
        pattern(c, alt, pc)
        stores = pc.stores
        if control is None:
            control = list(stores)
        elif len(stores) != len(control):
            c.fail(loc(p), "alternative patterns bind different names")
        elif stores:
            for icontrol in range(len(control) - 1, -1, -1):
                name = control[icontrol]
                if name not in stores:
                    c.fail(loc(p), "alternative patterns bind different names")
                istores = stores.index(name)
                if icontrol != istores:
                    rotations = istores + 1
                    rotated = stores[:rotations]
                    del stores[:rotations]
                    stores[icontrol - istores : icontrol - istores] = rotated
                    for _ in range(rotations):
                        _rotate(c, loc(alt) if PY313 else c.unit.where, icontrol + 1)
        alt_where = loc(alt) if PY313 else c.unit.where
        c.emit(alt_where, "JUMP", end)
        _emit_and_reset_fail_pop(c, alt_where, pc)
    assert control is not None
    pc.stores, pc.allow_irrefutable = old_stores, old_allow
    pc.fail_pop, pc.on_top = old_fail_pop, old_on_top
    where = _at(c, p)
    c.emit(where, "POP_TOP")
    _jump_to_fail_pop(c, where, pc, "JUMP")
    c.use_label(end)
    nrots = len(control) + 1 + pc.on_top + len(pc.stores)
    for name in control:
        _rotate(c, where, nrots)
        if name in pc.stores:
            c.fail(loc(p), f"multiple assignments to name {name!r} in pattern")
        pc.stores.append(name)
    c.emit(where, "POP_TOP")


def _alt_where(c: Compiler, alt: ast.pattern) -> Location:
    c.unit.where = loc(alt)
    return c.unit.where


def _sequence(c: Compiler, p: ast.MatchSequence, pc: PatternContext) -> None:
    """Match ``[a, b, *rest]``: check type and length, then match the items."""
    where = _at(c, p)
    patterns = p.patterns
    size = len(patterns)
    star = -1
    only_wildcard = True
    star_wildcard = False
    for i, sub in enumerate(patterns):
        if isinstance(sub, ast.MatchStar):
            if star >= 0:
                c.fail(loc(p), "multiple starred names in sequence pattern")
            star_wildcard = _is_wildcard_star(sub)
            only_wildcard = only_wildcard and star_wildcard
            star = i
            continue
        only_wildcard = only_wildcard and _is_wildcard(sub)
    pc.on_top += 1
    c.emit(where, "MATCH_SEQUENCE")
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    if star < 0:
        c.emit(where, "GET_LEN")
        c.load_const(where, size)
        add_compare(c, where, ast.Eq())
        _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    elif size > 1:
        c.emit(where, "GET_LEN")
        c.load_const(where, size - 1)
        add_compare(c, where, ast.GtE())
        _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")
    pc.on_top -= 1
    if only_wildcard:
        c.emit(where, "POP_TOP")
    elif star_wildcard:
        _sequence_subscript(c, where, patterns, star, pc)
    else:
        _sequence_unpack(c, where, patterns, pc)


def _value(c: Compiler, p: ast.MatchValue, pc: PatternContext) -> None:
    """Match a literal or dotted name, compared with ``==``."""
    value = p.value
    if not isinstance(value, ast.Constant | ast.Attribute):
        c.fail(loc(p), "patterns may only match literals and attribute lookups")
    c.visit_expr(value)
    where = _at(c, p)
    add_compare(c, where, ast.Eq())
    if PY313:
        c.emit(where, "TO_BOOL")
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")


def _singleton(c: Compiler, p: ast.MatchSingleton, pc: PatternContext) -> None:
    """Match ``None``, ``True`` or ``False``, compared with ``is``."""
    where = _at(c, p)
    c.load_const(where, p.value)
    add_compare(c, where, ast.Is())
    _jump_to_fail_pop(c, where, pc, "POP_JUMP_IF_FALSE")


def pattern(c: Compiler, p: ast.pattern, pc: PatternContext) -> None:
    r"""Match the pattern *p* against the value on top of the stack.

    Falls through on a match; jumps to a rung of ``pc.fail_pop`` otherwise.

    >>> c = Compiler.for_source("match x:\n    case [a, 1]: pass")
    >>> pc = PatternContext(allow_irrefutable=True)
    >>> pattern(c, c.tree.body[0].cases[0].pattern, pc)
    >>> pc.stores, len(pc.fail_pop)
    (['a'], 2)
    """
    if not PY313:
        c.unit.where = loc(p)
    if isinstance(p, ast.MatchValue):
        _value(c, p, pc)
    elif isinstance(p, ast.MatchSingleton):
        _singleton(c, p, pc)
    elif isinstance(p, ast.MatchSequence):
        _sequence(c, p, pc)
    elif isinstance(p, ast.MatchMapping):
        _mapping(c, p, pc)
    elif isinstance(p, ast.MatchClass):
        _class(c, p, pc)
    elif isinstance(p, ast.MatchStar):
        _star(c, p, pc)
    elif isinstance(p, ast.MatchAs):
        _as(c, p, pc)
    elif isinstance(p, ast.MatchOr):
        _or(c, p, pc)
    else:
        c.fail(loc(p), "invalid match pattern node in AST")


@statement(ast.Match)
def match(c: Compiler, s: ast.Match) -> None:
    """``match subject: case pattern if guard: body ...`` (``compiler_match``)."""
    c.visit_expr(s.subject)
    end = Label()
    cases = s.cases
    last = cases[-1]
    has_default = _is_wildcard(last.pattern) and len(cases) > 1
    pc = PatternContext()
    count = len(cases) - has_default
    for i, case in enumerate(cases[:count]):
        where = loc(case.pattern)
        c.unit.where = where
        if i != count - 1:
            c.emit(where, "COPY", 1)
        pc.stores = []
        pc.allow_irrefutable = case.guard is not None or i == len(cases) - 1
        pc.fail_pop = []
        pc.on_top = 0
        pattern(c, case.pattern, pc)
        here = where if PY313 else c.unit.where
        for name in pc.stores:
            c.name_op(here, name, ast.Store())
        if case.guard is not None:
            _ensure_fail_pop(pc, 0)
            jump_if(c, here, case.guard, pc.fail_pop[0], False)
        if i != count - 1:
            c.emit(where if PY313 else c.unit.where, "POP_TOP")
        c.visit_stmts(case.body)
        c.unit.where = NO_LOCATION
        c.emit(NO_LOCATION, "JUMP", end)
        c.unit.where = where
        _emit_and_reset_fail_pop(c, where, pc)
    if has_default:
        where = loc(last.pattern)
        c.unit.where = where
        c.emit(where, "POP_TOP" if len(cases) == 1 else "NOP")
        if last.guard is not None:
            jump_if(c, where, last.guard, end, False)
        c.visit_stmts(last.body)
    c.use_label(end)
