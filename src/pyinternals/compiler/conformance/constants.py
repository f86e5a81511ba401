"""Our AST optimizer against CPython's, file by file.

On 3.13 the oracle is direct: ``compile(..., ast.PyCF_OPTIMIZED_AST)`` returns
the tree CPython's ``ast_opt.c`` produced, and :func:`compare` checks that
``ast.dump(include_attributes=True)`` of ours (applied to the unoptimized
tree) is the same, at optimization levels 0 and 1.

3.11 has no such switch; the optimized tree is only visible through the code
objects ``compile()`` makes of it, and compiling *our* tree is no oracle by
itself, because the compiler runs CPython's optimizer again on whatever it is
given. The check is therefore in two parts, one for each way of being wrong:

* **folding too much or wrongly.** The code compiled from our folded tree must
  equal, recursively, the code compiled from the source: ``==`` on code
  objects compares the bytecode, the constants (by type as well as value, so
  ``1``, ``1.0`` and ``True`` differ, and ``-0.0`` from ``0.0``), the names
  and the position table. A constant CPython would not have made (``2 **
  200``, ``'a' * 4097``, a wrong value, a wrong position) survives the second
  optimization and shows up; so does a rewrite CPython does not make.
* **folding too little.** Anything we leave unfolded CPython folds when it
  compiles our tree, so the comparison above cannot see it. Instead every
  node of our folded tree that CPython could still fold (an operation whose
  operands are all constants, a ``%`` format of a str) is compiled alone, as
  an ``eval`` expression: if CPython's code for it ends in a ``LOAD_CONST``
  or builds an f-string instead of performing the operation, CPython folds
  what we left, and the files disagree. Annotations that ``from __future__
  import annotations`` keeps as text are skipped, as both optimizers skip
  them.

Files CPython's parser refuses are judged as :mod:`~.trees` judges them (the
same exception class, on the same line): no optimizer runs on them. Files
refused later (by the future statements or, on 3.11, the compiler) agree when
our side raises the same exception class with the same message at the same
line. Warnings are
silenced on both sides alike.
"""

import ast
import copy
import dis
import sys
import types
import warnings
from collections.abc import Iterator

from pyinternals.compiler.conformance import trees
from pyinternals.compiler.conformance.verdict import Verdict
from pyinternals.compiler.optimizer import optimize
from pyinternals.compiler.parser import parse
from pyinternals.compiler.scopes import future_features

__all__ = ["compare"]

# The last instruction of an expression whose own operation was not folded.
_OPERATIONS = frozenset(
    {
        "BINARY_OP",
        "BINARY_SUBSCR",
        "UNARY_NEGATIVE",
        "UNARY_INVERT",
        "UNARY_NOT",
        "UNARY_POSITIVE",
        "CALL_INTRINSIC_1",
        "TO_BOOL",
    }
)


def _error_key(error: BaseException) -> tuple[object, ...]:
    if isinstance(error, SyntaxError):
        return (type(error).__name__, error.msg, error.lineno)
    return (type(error).__name__, str(error))


def _const_key(value: object) -> object:
    """Return a key equal for equal constants, by type, that a NaN equals too.

    ``==`` on code objects compares NaN constants by identity, so two
    compilations of ``1e300 * 1e300 * 0`` would never be equal.
    """
    if isinstance(value, float | complex):
        return (type(value).__name__, repr(value))
    if isinstance(value, tuple):
        return ("tuple", tuple(_const_key(item) for item in value))
    if isinstance(value, frozenset):
        return ("frozenset", sorted(repr(_const_key(item)) for item in value))
    if isinstance(value, types.CodeType):
        return ("code", value.co_name)  # compared on its own, recursively
    return (type(value).__name__, value)


_CODE_FIELDS = (
    "co_code",
    "co_names",
    "co_varnames",
    "co_freevars",
    "co_cellvars",
    "co_flags",
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_firstlineno",
    "co_linetable",
    "co_exceptiontable",
)


def _code_differences(mine: types.CodeType, theirs: types.CodeType) -> Iterator[str]:
    """Yield where two code objects differ, innermost first."""
    for mine_const, their_const in zip(mine.co_consts, theirs.co_consts, strict=False):
        if isinstance(mine_const, types.CodeType) and isinstance(
            their_const, types.CodeType
        ):
            yield from _code_differences(mine_const, their_const)
    where = f"{theirs.co_name} (line {theirs.co_firstlineno})"
    mine_consts = [_const_key(c) for c in mine.co_consts]
    their_consts = [_const_key(c) for c in theirs.co_consts]
    if mine_consts != their_consts:
        yield f"{where}: co_consts {mine.co_consts!r:.200} != {theirs.co_consts!r:.200}"
        return
    for attribute in _CODE_FIELDS:
        a, b = getattr(mine, attribute), getattr(theirs, attribute)
        if a != b:
            yield f"{where}: {attribute} {a!r:.200} != {b!r:.200}"
            return


def _annotations(tree: ast.AST) -> set[int]:
    """Return the ids of the annotation expressions in *tree*."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            found.add(id(node.annotation))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
            node.returns is not None
        ):
            found.add(id(node.returns))
    return found


def _foldable(node: ast.AST) -> bool:
    """Whether CPython's optimizer might still fold *node*."""
    if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant):
        if isinstance(node.right, ast.Constant):
            return True
        return (
            isinstance(node.op, ast.Mod)
            and isinstance(node.left.value, str)
            and isinstance(node.right, ast.Tuple)
        )
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Constant) and isinstance(
            node.slice, ast.Constant
        )
    return False


def _unfolded_leftovers(tree: ast.AST, filename: str) -> Iterator[str]:
    """Yield the nodes of our folded *tree* that CPython would fold further."""
    skipped: set[int] = set()
    if isinstance(tree, ast.Module) and "annotations" in future_features(tree):
        skipped = _annotations(tree)
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if id(node) in skipped:
            continue
        stack.extend(ast.iter_child_nodes(node))
        if not _foldable(node):
            continue
        assert isinstance(node, ast.expr)
        expression = ast.Expression(body=copy.deepcopy(node))
        code = compile(expression, filename, "eval", dont_inherit=True, optimize=0)
        instructions = [i.opname for i in dis.get_instructions(code)]
        last = instructions[-2] if len(instructions) >= 2 else ""
        if last not in _OPERATIONS:
            yield f"CPython folds {ast.unparse(node)!r} (line {node.lineno})"


def _refusal_verdict(
    ours: BaseException | None, theirs: BaseException | None
) -> Verdict:
    """Judge a file that at least one side refused (*ours* or *theirs* raised)."""
    if theirs is None:
        return Verdict(False, True, f"ours raised {ours!r}")
    if ours is None:
        return Verdict(False, False, f"CPython raised {theirs!r}, ours did not")
    if _error_key(ours) != _error_key(theirs):
        return Verdict(
            False, False, f"error {_error_key(ours)} != {_error_key(theirs)}"
        )
    return Verdict(True, False)


def _compare_311(source: bytes, filename: str) -> Verdict:
    try:
        theirs = compile(source, filename, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        their_error: BaseException | None = error
    else:
        their_error = None
    try:
        folded = optimize(parse(source, filename), level=0)
        assert isinstance(folded, ast.Module)
        mine = compile(folded, filename, "exec", dont_inherit=True, optimize=0)
    except Exception as error:
        return _refusal_verdict(error, their_error)
    if their_error is not None:
        return _refusal_verdict(None, their_error)
    first = next(_code_differences(mine, theirs), None)
    if first is None:
        first = next(_unfolded_leftovers(folded, filename), None)
    return Verdict(first is None, True, first or "")


def _compare_313(source: bytes, filename: str) -> Verdict:
    flags = getattr(ast, "PyCF_OPTIMIZED_AST", 0)
    for level in (0, 1):
        try:
            theirs = compile(
                source, filename, "exec", flags, dont_inherit=True, optimize=level
            )
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            their_error: BaseException | None = error
        else:
            their_error = None
        try:
            mine = optimize(parse(source, filename), level=level)
        except Exception as error:
            return _refusal_verdict(error, their_error)
        if their_error is not None:
            return _refusal_verdict(None, their_error)
        mine_dump = ast.dump(mine, include_attributes=True)
        their_dump = ast.dump(theirs, include_attributes=True)
        if mine_dump != their_dump:
            at = next(
                (
                    i
                    for i, pair in enumerate(zip(mine_dump, their_dump, strict=False))
                    if len(set(pair)) > 1
                ),
                min(len(mine_dump), len(their_dump)),
            )
            detail = (
                f"level {level}: ...{mine_dump[max(at - 60, 0) : at + 60]!r} != "
                f"...{their_dump[max(at - 60, 0) : at + 60]!r}"
            )
            return Verdict(False, True, detail)
    return Verdict(True, True)


def compare(source: bytes, filename: str) -> Verdict:
    r"""Compare our optimizer with CPython's on one file.

    >>> compare(b"x = (1 + 2, 2 ** 200, 'a' * 3, -1)\n", "demo.py")
    Verdict(agrees=True, cpython_accepts=True, detail='')
    """
    if trees.cpython_parser_refuses(source, filename):
        return trees.compare(source, filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if sys.version_info >= (3, 13):
                return _compare_313(source, filename)
            return _compare_311(source, filename)
    except Exception as error:
        return Verdict(False, True, f"comparison raised {error!r}")
