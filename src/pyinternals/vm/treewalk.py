r"""A tree-walking interpreter: run a Python program by evaluating its ``ast`` directly.

The simplest way to execute a program is to walk the tree the parser built:
to evaluate ``a + b``, evaluate ``a``, evaluate ``b``, add. :class:`Interpreter`
has one small method per node type (``visit_BinOp``, ``visit_If``, ...)
found through a dictionary from node type to bound method, built once per
interpreter; it runs the subset of Python that
:mod:`~pyinternals.vm.treewalk_subset` lists and checks before the first
statement executes.

Scopes are :class:`Environment` objects: the module's globals, one per
function call for its locals, one per class body and comprehension. Which
names a function binds is worked out once per ``def`` (assigned names and
parameters, minus those declared ``global`` or ``nonlocal``) so that a name
resolves as CPython's compiler would resolve it: local, then the enclosing
functions' locals (read at the time of the lookup, so closures see later
assignments), then globals, then :mod:`builtins`. User functions are
:class:`Function` objects, callable from Python too, so builtins can call
them back (``sorted(xs, key=user_function)``) and classes can use them as
methods.

``return``, ``break`` and ``continue`` are *signals*, not exceptions: every
statement method returns ``None`` to go on, or :data:`_BREAK`,
:data:`_CONTINUE` or a :class:`_Return` carrying the value, and each block,
loop and call inspects what its statements return. A returned value costs
one comparison per statement, where raising and catching an exception would
cost a traceback object per ``return``; and the signals can never be caught
by a program's own ``except BaseException:``, which runs on real Python
exceptions. Python's exceptions are Python's exceptions: ``raise`` raises
them, ``try`` catches them, and because handler bodies run inside the
interpreter's own ``except`` clause, ``__context__`` chaining and bare
``raise`` work as in CPython.

:func:`run` executes a source string and returns its namespace;
:func:`outcome` and :func:`assert_same` compare a run with CPython's, in the
style of :mod:`~pyinternals.compiler.differential`.

>>> namespace = run("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
...                 "x = fib(10)\n")
>>> namespace["x"], namespace["fib"](12)
(55, 144)
"""

import ast
import builtins
import io
import operator
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from typing import Any, Final

from pyinternals.compiler.differential import Outcome
from pyinternals.compiler.differential import run as run_on_cpython
from pyinternals.vm.treewalk_subset import check_subset

__all__ = [
    "Environment",
    "Function",
    "Interpreter",
    "Namespace",
    "Signal",
    "assert_same",
    "outcome",
    "run",
]

Namespace = dict[str, Any]
"""A scope's variables by name: a module's globals or a call's locals."""


class _Return:
    """The signal a ``return`` statement sends up to its function call."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class _LoopSignal:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_BREAK: Final = _LoopSignal("BREAK")
_CONTINUE: Final = _LoopSignal("CONTINUE")
Signal = _Return | _LoopSignal | None
"""What running a statement reports upwards: a ``return`` with its value, a
``break`` or ``continue``, or ``None`` to go on with the next statement."""

_BINARY_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.MatMult: operator.matmul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
}  # fmt: skip
_INPLACE_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.MatMult: operator.imatmul, ast.Div: operator.itruediv,
    ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod,
    ast.Pow: operator.ipow, ast.LShift: operator.ilshift,
    ast.RShift: operator.irshift, ast.BitOr: operator.ior,
    ast.BitXor: operator.ixor, ast.BitAnd: operator.iand,
}  # fmt: skip
_UNARY_OPERATORS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg,
    ast.Invert: operator.invert, ast.Not: operator.not_,
}  # fmt: skip
_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda item, container: item in container,
    ast.NotIn: lambda item, container: item not in container,
}  # fmt: skip
_CONVERSIONS: dict[int, Callable[[object], str]] = {115: str, 114: repr, 97: ascii}


class _Scope:
    """What a function (or comprehension) body does with names, found statically."""

    __slots__ = ("declared_global", "local_names")

    def __init__(self, local_names: frozenset[str], declared_global: frozenset[str]):
        self.local_names = local_names
        self.declared_global = declared_global


def _bound_names(nodes: list[ast.AST]) -> tuple[set[str], set[str], set[str]]:
    """Names bound, declared ``global`` and declared ``nonlocal`` in one body.

    Nested functions, lambdas, classes and comprehensions have scopes of
    their own: only the name a ``def`` or ``class`` binds counts here.
    """
    bound: set[str] = set()
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
            pending.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                pending.extend(node.bases)
            else:
                defaults = node.args.defaults + node.args.kw_defaults
                pending.extend(default for default in defaults if default)
            continue
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp):
            continue
        if isinstance(node, ast.GeneratorExp):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            declared_nonlocal.update(node.names)
        pending.extend(ast.iter_child_nodes(node))
    return bound, declared_global, declared_nonlocal


def _function_scope(node: ast.FunctionDef | ast.Lambda) -> _Scope:
    arguments = node.args
    parameters = [
        *arguments.posonlyargs,
        *arguments.args,
        *([arguments.vararg] if arguments.vararg else []),
        *arguments.kwonlyargs,
        *([arguments.kwarg] if arguments.kwarg else []),
    ]
    body: list[ast.AST] = [*node.body] if isinstance(node.body, list) else [node.body]
    bound, declared_global, declared_nonlocal = _bound_names(body)
    bound.update(parameter.arg for parameter in parameters)
    local_names = frozenset(bound - declared_global - declared_nonlocal)
    return _Scope(local_names, frozenset(declared_global))


def _comprehension_scope(generators: list[ast.comprehension]) -> _Scope:
    targets: list[ast.AST] = [generator.target for generator in generators]
    bound, _, _ = _bound_names(targets)
    return _Scope(frozenset(bound), frozenset())


class Environment:
    """One scope of a running program: module, call, class body or comprehension.

    *variables* holds the scope's own names (for the module scope it is
    *module_globals* itself); *scope* says which names a function or
    comprehension binds (``None`` for module and class scopes); *enclosing*
    is the nearest enclosing function or comprehension environment, whose
    variables free names are read from; *qualname_prefix* is what the
    ``__qualname__`` of a function defined here starts with.

    >>> module = Environment({"x": 1})
    >>> module.load("x"), module.load("len") is len
    (1, True)
    >>> module.store("y", 2); module.variables["y"]
    2
    """

    __slots__ = (
        "enclosing",
        "is_class_body",
        "module_globals",
        "qualname_prefix",
        "scope",
        "variables",
    )

    def __init__(
        self,
        module_globals: Namespace,
        variables: Namespace | None = None,
        *,
        scope: _Scope | None = None,
        enclosing: "Environment | None" = None,
        is_class_body: bool = False,
        qualname_prefix: str = "",
    ) -> None:
        self.module_globals = module_globals
        self.variables = module_globals if variables is None else variables
        self.scope = scope
        self.enclosing = enclosing
        self.is_class_body = is_class_body
        self.qualname_prefix = qualname_prefix

    def load(self, name: str) -> Any:
        """Return the value *name* has here, raising as CPython would if unbound."""
        scope = self.scope
        if scope is not None:
            if name in scope.local_names:
                variables = self.variables
                if name in variables:
                    return variables[name]
                raise UnboundLocalError(
                    f"cannot access local variable '{name}' "
                    "where it is not associated with a value"
                )
            if name not in scope.declared_global:
                return self._load_free(name)
        elif self.is_class_body:
            if name in self.variables:
                return self.variables[name]
            return self._load_free(name)
        return self._load_global(name)

    def _load_free(self, name: str) -> Any:
        environment = self.enclosing
        while environment is not None:
            scope = environment.scope
            if scope is not None and name in scope.local_names:
                if name in environment.variables:
                    return environment.variables[name]
                raise NameError(
                    f"cannot access free variable '{name}' where it is not "
                    "associated with a value in enclosing scope",
                    name=name,
                )
            environment = environment.enclosing
        return self._load_global(name)

    def _load_global(self, name: str) -> Any:
        module_globals = self.module_globals
        if name in module_globals:
            return module_globals[name]
        builtin_names = builtins.__dict__
        if name in builtin_names:
            return builtin_names[name]
        raise NameError(f"name '{name}' is not defined", name=name)

    def _owner_of(self, name: str) -> Namespace:
        """Return the dictionary a store to or delete of *name* here goes to."""
        scope = self.scope
        if scope is None or name in scope.local_names:
            return self.variables
        if name in scope.declared_global:
            return self.module_globals
        environment = self.enclosing
        while environment is not None:
            if environment.scope is not None and name in environment.scope.local_names:
                return environment.variables
            environment = environment.enclosing
        raise SyntaxError(f"no binding for nonlocal '{name}' found")

    def store(self, name: str, value: object) -> None:
        """Bind *name* to *value* in the scope the name belongs to."""
        scope = self.scope
        if scope is None or name in scope.local_names:
            self.variables[name] = value
        else:
            self._owner_of(name)[name] = value

    def delete(self, name: str) -> None:
        """Unbind *name*, raising as CPython would if it is not bound."""
        owner = self._owner_of(name)
        if name in owner:
            del owner[name]
        elif owner is self.module_globals or self.is_class_body:
            raise NameError(f"name '{name}' is not defined", name=name)
        else:
            raise UnboundLocalError(
                f"cannot access local variable '{name}' "
                "where it is not associated with a value"
            )

    def function_parent(self) -> "Environment | None":
        """Return the environment a function defined here reads free names from."""
        if self.scope is not None:
            return self
        return self.enclosing


class _Parameters:
    """A ``def``'s parameter list, flattened once for argument binding."""

    __slots__ = (
        "keyword_only",
        "keywords_name",
        "names",
        "positional",
        "positional_only",
        "simple",
        "varargs_name",
    )

    def __init__(self, arguments: ast.arguments) -> None:
        self.positional_only = tuple(arg.arg for arg in arguments.posonlyargs)
        self.positional = self.positional_only + tuple(a.arg for a in arguments.args)
        self.keyword_only = tuple(arg.arg for arg in arguments.kwonlyargs)
        self.varargs_name = arguments.vararg.arg if arguments.vararg else None
        self.keywords_name = arguments.kwarg.arg if arguments.kwarg else None
        self.names = frozenset(self.positional[len(self.positional_only) :]).union(
            self.keyword_only
        )
        self.simple = not (self.keyword_only or self.varargs_name or self.keywords_name)


def _quoted_list(names: list[str]) -> str:
    """Quote names CPython's way: ``'a'``, ``'a' and 'b'``, ``'a', 'b', and 'c'``."""
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


class Function:
    r"""A function defined by the interpreted program; calling it runs its body.

    It carries what a ``def`` or ``lambda`` evaluated when it ran: the
    defaults, the environment it closes over, its name. It is an ordinary
    Python callable too (builtins and other Python code can call it), and a
    descriptor, so that in a class body it becomes a method.

    >>> square = run("def square(x):\n    return x * x\n")["square"]
    >>> square(7), square.__qualname__, sorted([3, -4, 1], key=square)
    (49, 'square', [1, 3, -4])
    """

    def __init__(
        self,
        interpreter: "Interpreter",
        node: ast.FunctionDef | ast.Lambda,
        body: list[ast.stmt],
        defining_environment: Environment,
        defaults: tuple[object, ...],
        keyword_defaults: Namespace,
    ) -> None:
        self.__name__ = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
        self.__qualname__ = defining_environment.qualname_prefix + self.__name__
        self.__defaults__ = defaults or None
        self.__kwdefaults__ = keyword_defaults or None
        self.__module__ = str(defining_environment.module_globals.get("__name__"))
        self.__doc__ = (
            ast.get_docstring(node) if isinstance(node, ast.FunctionDef) else None
        )
        self.interpreter = interpreter
        self.body = body
        self.parameters = _Parameters(node.args)
        self.scope = interpreter.function_scope(node)
        self.module_globals = defining_environment.module_globals
        self.closure = defining_environment.function_parent()

    def __call__(self, *arguments: object, **keywords: object) -> object:
        """Run the function on the interpreter that defined it; return its result."""
        return self.interpreter.call_function(self, arguments, keywords)

    def __get__(self, instance: object, owner: type | None = None) -> object:
        if instance is None:
            return self
        return types.MethodType(self, instance)

    def __repr__(self) -> str:
        return f"<function {self.__qualname__} at {id(self):#x}>"

    def bind(self, arguments: tuple[object, ...], keywords: Namespace) -> Namespace:
        r"""Match a call's arguments to the parameters, with CPython's errors.

        >>> f = run("def f(a, b=2, *, c):\n    pass\n")["f"]
        >>> f.bind((1,), {"c": 3})
        {'a': 1, 'c': 3, 'b': 2}
        >>> f.bind((1, 2, 3), {})
        Traceback (most recent call last):
          ...
        TypeError: f() takes from 1 to 2 positional arguments but 3 were given
        """
        parameters = self.parameters
        positional = parameters.positional
        if parameters.simple and not keywords and len(arguments) == len(positional):
            return dict(zip(positional, arguments, strict=True))
        variables: Namespace = dict(zip(positional, arguments, strict=False))
        extra = arguments[len(positional) :]
        if parameters.varargs_name is not None:
            variables[parameters.varargs_name] = tuple(extra)
        keyword_rest: Namespace | None = None
        if parameters.keywords_name is not None:
            keyword_rest = variables[parameters.keywords_name] = {}
        misplaced = []
        for name, value in keywords.items():
            if name in parameters.names:
                if name in variables:
                    raise TypeError(
                        f"{self.__qualname__}() got multiple values"
                        f" for argument '{name}'"
                    )
                variables[name] = value
            elif keyword_rest is not None:
                keyword_rest[name] = value
            elif name in parameters.positional_only:
                misplaced.append(name)
            else:
                raise TypeError(
                    f"{self.__qualname__}() got an unexpected keyword argument '{name}'"
                )
        if misplaced:
            raise TypeError(
                f"{self.__qualname__}() got some positional-only arguments passed"
                f" as keyword arguments: '{', '.join(misplaced)}'"
            )
        if extra and parameters.varargs_name is None:
            raise self._too_many_positional(len(arguments), keywords)
        self._apply_defaults(variables)
        return variables

    def _too_many_positional(self, given: int, keywords: Namespace) -> TypeError:
        count = len(self.parameters.positional)
        defaults = len(self.__defaults__ or ())
        if defaults:
            takes, plural = f"from {count - defaults} to {count}", "s"
        else:
            takes, plural = str(count), "" if count == 1 else "s"
        keyword_only = sum(name in keywords for name in self.parameters.keyword_only)
        detail = ""
        if keyword_only:
            detail = (
                f" positional argument{'' if given == 1 else 's'} (and {keyword_only}"
                f" keyword-only argument{'' if keyword_only == 1 else 's'})"
            )
        verb = "was" if given == 1 and not keyword_only else "were"
        return TypeError(
            f"{self.__qualname__}() takes {takes} positional argument{plural}"
            f" but {given}{detail} {verb} given"
        )

    def _apply_defaults(self, variables: Namespace) -> None:
        positional = self.parameters.positional
        defaults = self.__defaults__ or ()
        first_default = len(positional) - len(defaults)
        missing = []
        for index, name in enumerate(positional):
            if name not in variables:
                if index >= first_default:
                    variables[name] = defaults[index - first_default]
                else:
                    missing.append(name)
        self._raise_if_missing(missing, "positional")
        keyword_defaults = self.__kwdefaults__ or {}
        for name in self.parameters.keyword_only:
            if name not in variables:
                if name in keyword_defaults:
                    variables[name] = keyword_defaults[name]
                else:
                    missing.append(name)
        self._raise_if_missing(missing, "keyword-only")

    def _raise_if_missing(self, missing: list[str], kind: str) -> None:
        if missing:
            plural = "" if len(missing) == 1 else "s"
            raise TypeError(
                f"{self.__qualname__}() missing {len(missing)} required {kind}"
                f" argument{plural}: {_quoted_list(missing)}"
            )


Handler = Callable[[Any, Environment], Any]


class Interpreter:
    """Evaluate ``ast`` trees of the subset, one ``visit_`` method per node type.

    Statement methods return a signal (``None`` to go on); expression
    methods return the expression's value. *error_line* is the line of the
    innermost statement the last escaping exception passed through, the
    line CPython's traceback would end on.

    >>> interpreter = Interpreter()
    >>> namespace = interpreter.execute(ast.parse("total = sum(x * 2 for x in [1, 2])"))
    >>> namespace["total"]
    6
    """

    def __init__(self, filename: str = "<treewalk>") -> None:
        self.filename = filename
        self.error_line: int | None = None
        self._located_exception: BaseException | None = None
        self._dispatch: dict[type[ast.AST], Handler] = {
            getattr(ast, name.removeprefix("visit_")): getattr(self, name)
            for name in dir(type(self))
            if name.startswith("visit_")
        }
        self._scopes: dict[ast.AST, _Scope] = {}
        self._lambda_bodies: dict[ast.Lambda, list[ast.stmt]] = {}

    # -- running --------------------------------------------------------

    def execute(
        self, tree: ast.Module, namespace: Namespace | None = None, source: str = ""
    ) -> Namespace:
        """Check *tree* is in the subset, run it in *namespace*, return that.

        A fresh namespace named ``__main__`` is used if none is given;
        *source*, if given, lets a subset error quote the offending line.
        """
        if namespace is None:
            namespace = {"__name__": "__main__"}
        check_subset(tree, self.filename, source)
        self.run_block(tree.body, Environment(namespace))
        return namespace

    def evaluate(self, node: ast.AST, environment: Environment) -> Any:
        """Return the value of the expression *node* in *environment*."""
        return self._dispatch[type(node)](node, environment)

    def run_block(self, body: list[ast.stmt], environment: Environment) -> Signal:
        """Run statements in order until one sends a signal; return that signal."""
        dispatch = self._dispatch
        for statement in body:
            try:
                signal: Signal = dispatch[type(statement)](statement, environment)
            except BaseException as exception:
                self._locate(exception, statement)
                raise
            if signal is not None:
                return signal
        return None

    def _locate(self, exception: BaseException, statement: ast.stmt) -> None:
        if exception is not self._located_exception:
            self._located_exception = exception
            self.error_line = statement.lineno

    def function_scope(self, node: ast.FunctionDef | ast.Lambda) -> _Scope:
        """Return the names *node* binds, analysed once per node and remembered."""
        scope = self._scopes.get(node)
        if scope is None:
            scope = self._scopes[node] = _function_scope(node)
        return scope

    def call_function(
        self, function: Function, arguments: tuple[object, ...], keywords: Namespace
    ) -> object:
        """Call *function*: bind arguments, run its body in a new environment."""
        environment = Environment(
            function.module_globals,
            function.bind(arguments, keywords),
            scope=function.scope,
            enclosing=function.closure,
            qualname_prefix=function.__qualname__ + ".<locals>.",
        )
        signal = self.run_block(function.body, environment)
        if type(signal) is _Return:
            return signal.value
        return None

    # -- statements -----------------------------------------------------

    def visit_Expr(self, node: ast.Expr, environment: Environment) -> Signal:
        """Evaluate an expression statement and drop its value."""
        self._dispatch[type(node.value)](node.value, environment)
        return None

    def visit_Pass(self, node: ast.Pass, environment: Environment) -> Signal:
        """Do nothing."""
        return None

    def visit_Assign(self, node: ast.Assign, environment: Environment) -> Signal:
        """Evaluate the value once, then bind it to each target left to right."""
        value = self._dispatch[type(node.value)](node.value, environment)
        for target in node.targets:
            self.assign(target, value, environment)
        return None

    def visit_AugAssign(self, node: ast.AugAssign, environment: Environment) -> Signal:
        """Apply the in-place operator, evaluating the target's parts once."""
        update = _INPLACE_OPERATORS[type(node.op)]
        target = node.target
        if isinstance(target, ast.Name):
            current = environment.load(target.id)
            value = self.evaluate(node.value, environment)
            environment.store(target.id, update(current, value))
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate(target.value, environment)
            current = getattr(owner, target.attr)
            value = self.evaluate(node.value, environment)
            setattr(owner, target.attr, update(current, value))
        else:
            assert isinstance(target, ast.Subscript)
            container = self.evaluate(target.value, environment)
            index = self.evaluate(target.slice, environment)
            current = container[index]
            value = self.evaluate(node.value, environment)
            container[index] = update(current, value)
        return None

    def visit_Delete(self, node: ast.Delete, environment: Environment) -> Signal:
        """Unbind each target: a name, an attribute, an item, or a tuple of them."""
        for target in node.targets:
            self._delete(target, environment)
        return None

    def _delete(self, target: ast.expr, environment: Environment) -> None:
        if isinstance(target, ast.Name):
            environment.delete(target.id)
        elif isinstance(target, ast.Attribute):
            delattr(self.evaluate(target.value, environment), target.attr)
        elif isinstance(target, ast.Subscript):
            container = self.evaluate(target.value, environment)
            del container[self.evaluate(target.slice, environment)]
        else:
            assert isinstance(target, ast.Tuple | ast.List)
            for element in target.elts:
                self._delete(element, environment)

    def visit_If(self, node: ast.If, environment: Environment) -> Signal:
        """Run the body if the test is true, else the ``else`` part."""
        if self._dispatch[type(node.test)](node.test, environment):
            return self.run_block(node.body, environment)
        if node.orelse:
            return self.run_block(node.orelse, environment)
        return None

    def visit_While(self, node: ast.While, environment: Environment) -> Signal:
        """Loop while the test is true; ``else`` runs unless a ``break`` ended it."""
        test = node.test
        test_handler = self._dispatch[type(test)]
        while test_handler(test, environment):
            signal = self.run_block(node.body, environment)
            if signal is not None:
                if signal is _BREAK:
                    return None
                if signal is not _CONTINUE:
                    return signal
        return self.run_block(node.orelse, environment)

    def visit_For(self, node: ast.For, environment: Environment) -> Signal:
        """Bind the target to each item in turn; ``else`` runs unless ``break``."""
        target = node.target
        for item in self.evaluate(node.iter, environment):
            if type(target) is ast.Name:
                environment.store(target.id, item)
            else:
                self.assign(target, item, environment)
            signal = self.run_block(node.body, environment)
            if signal is not None:
                if signal is _BREAK:
                    return None
                if signal is not _CONTINUE:
                    return signal
        return self.run_block(node.orelse, environment)

    def visit_Break(self, node: ast.Break, environment: Environment) -> Signal:
        """Send the ``break`` signal to the enclosing loop."""
        return _BREAK

    def visit_Continue(self, node: ast.Continue, environment: Environment) -> Signal:
        """Send the ``continue`` signal to the enclosing loop."""
        return _CONTINUE

    def visit_Return(self, node: ast.Return, environment: Environment) -> Signal:
        """Send the function's result up as a return signal."""
        if node.value is None:
            return _Return(None)
        return _Return(self._dispatch[type(node.value)](node.value, environment))

    def visit_Global(self, node: ast.Global, environment: Environment) -> Signal:
        """Do nothing at run time."""
        return None  # declarations act through the scope analysis, not at run time

    def visit_Nonlocal(self, node: ast.Nonlocal, environment: Environment) -> Signal:
        """Do nothing at run time."""
        return None

    def visit_FunctionDef(
        self, node: ast.FunctionDef, environment: Environment
    ) -> Signal:
        """Make a :class:`Function`, apply the decorators, bind its name."""
        decorators = [self.evaluate(item, environment) for item in node.decorator_list]
        function: object = self._make_function(node, node.body, environment)
        for decorator in reversed(decorators):
            function = decorator(function)
        environment.store(node.name, function)
        return None

    def _make_function(
        self,
        node: ast.FunctionDef | ast.Lambda,
        body: list[ast.stmt],
        environment: Environment,
    ) -> Function:
        arguments = node.args
        defaults = tuple(
            self.evaluate(item, environment) for item in arguments.defaults
        )
        keyword_defaults = {
            parameter.arg: self.evaluate(default, environment)
            for parameter, default in zip(
                arguments.kwonlyargs, arguments.kw_defaults, strict=True
            )
            if default is not None
        }
        return Function(self, node, body, environment, defaults, keyword_defaults)

    def visit_ClassDef(self, node: ast.ClassDef, environment: Environment) -> Signal:
        """Run the class body in a scope of its own and build the class from it."""
        decorators = [self.evaluate(item, environment) for item in node.decorator_list]
        bases = tuple(self.evaluate(base, environment) for base in node.bases)
        qualname = environment.qualname_prefix + node.name
        body_environment = Environment(
            environment.module_globals,
            {"__module__": environment.module_globals.get("__name__"),
             "__qualname__": qualname},
            enclosing=environment.function_parent(),
            is_class_body=True,
            qualname_prefix=qualname + ".",
        )  # fmt: skip
        docstring = ast.get_docstring(node)
        if docstring is not None:
            body_environment.variables["__doc__"] = docstring
        self.run_block(node.body, body_environment)
        body = body_environment.variables
        cls: object = types.new_class(
            node.name, bases, None, lambda ns: ns.update(body)
        )
        for decorator in reversed(decorators):
            cls = decorator(cls)
        environment.store(node.name, cls)
        return None

    def visit_Try(self, node: ast.Try, environment: Environment) -> Signal:
        """Run ``try``/``except``/``else``, then ``finally`` however they ended."""
        if not node.finalbody:
            return self._run_try_and_handlers(node, environment)
        try:
            signal = self._run_try_and_handlers(node, environment)
        except BaseException:
            # The finally block runs with the exception in flight, so a bare
            # ``raise`` in it re-raises; a signal from it cancels the exception.
            final_signal = self.run_block(node.finalbody, environment)
            if final_signal is not None:
                return final_signal
            raise
        final_signal = self.run_block(node.finalbody, environment)
        return signal if final_signal is None else final_signal

    def _run_try_and_handlers(self, node: ast.Try, environment: Environment) -> Signal:
        try:
            signal = self.run_block(node.body, environment)
        except BaseException as exception:
            for handler in node.handlers:
                if handler.type is None or isinstance(
                    exception, self.evaluate(handler.type, environment)
                ):
                    return self._run_handler(handler, exception, environment)
            raise
        if signal is None and node.orelse:
            return self.run_block(node.orelse, environment)
        return signal

    def _run_handler(
        self,
        handler: ast.ExceptHandler,
        exception: BaseException,
        environment: Environment,
    ) -> Signal:
        if handler.name is None:
            return self.run_block(handler.body, environment)
        environment.store(handler.name, exception)
        try:
            return self.run_block(handler.body, environment)
        finally:
            # CPython deletes the name so the exception's traceback does not
            # keep the frame alive; a program can observe that, so do the same.
            owner = environment._owner_of(handler.name)
            owner.pop(handler.name, None)

    def visit_Raise(self, node: ast.Raise, environment: Environment) -> Signal:
        """Raise the exception, chained ``from`` a cause; bare: re-raise."""
        if node.exc is None:
            active = sys.exc_info()[1]
            if active is None:
                raise RuntimeError("No active exception to reraise")
            raise active
        exception = self.evaluate(node.exc, environment)
        if node.cause is None:
            raise exception
        raise exception from self.evaluate(node.cause, environment)

    def visit_Assert(self, node: ast.Assert, environment: Environment) -> Signal:
        """Raise :class:`AssertionError` (with the message) if the test is false."""
        if not self.evaluate(node.test, environment):
            if node.msg is None:
                raise AssertionError
            raise AssertionError(self.evaluate(node.msg, environment))
        return None

    def visit_Import(self, node: ast.Import, environment: Environment) -> Signal:
        """Import each module and bind the top package or the ``as`` name."""
        for alias in node.names:
            module = __import__(alias.name, environment.module_globals, None, (), 0)
            if alias.asname is None:
                environment.store(alias.name.partition(".")[0], module)
                continue
            for part in alias.name.split(".")[1:]:
                module = getattr(module, part)
            environment.store(alias.asname, module)
        return None

    def visit_ImportFrom(
        self, node: ast.ImportFrom, environment: Environment
    ) -> Signal:
        """Import the module and bind the requested names from it."""
        assert node.module is not None
        names = tuple(alias.name for alias in node.names)
        module = __import__(node.module, environment.module_globals, None, names, 0)
        for alias in node.names:
            if not hasattr(module, alias.name):
                location = getattr(module, "__file__", None) or "unknown location"
                raise ImportError(
                    f"cannot import name '{alias.name}'"
                    f" from '{node.module}' ({location})",
                    name=node.module,
                )
            environment.store(alias.asname or alias.name, getattr(module, alias.name))
        return None

    # -- assignment targets ---------------------------------------------

    def assign(self, target: ast.AST, value: object, environment: Environment) -> None:
        """Bind *value* to an assignment target: name, attribute, item, unpacking."""
        if isinstance(target, ast.Name):
            environment.store(target.id, value)
        elif isinstance(target, ast.Attribute):
            setattr(self.evaluate(target.value, environment), target.attr, value)
        elif isinstance(target, ast.Subscript):
            container = self.evaluate(target.value, environment)
            container[self.evaluate(target.slice, environment)] = value
        else:
            assert isinstance(target, ast.Tuple | ast.List)
            items = self._unpack(target.elts, value)
            for element, item in zip(target.elts, items, strict=True):
                if isinstance(element, ast.Starred):
                    self.assign(element.value, item, environment)
                else:
                    self.assign(element, item, environment)

    @staticmethod
    def _unpack(elements: list[ast.expr], value: object) -> list[object]:
        """Split *value* into one item per target, a list for the starred one."""
        try:
            iterator = iter(value)  # type: ignore[call-overload]
        except TypeError:
            pass
        else:
            return Interpreter._unpack_iterator(elements, iterator)
        raise TypeError(f"cannot unpack non-iterable {type(value).__name__} object")

    @staticmethod
    def _unpack_iterator(
        elements: list[ast.expr], iterator: Iterator[object]
    ) -> list[object]:
        starred = [
            i for i, element in enumerate(elements) if isinstance(element, ast.Starred)
        ]
        if not starred:
            items = []
            for item in iterator:
                items.append(item)
                if len(items) > len(elements):
                    raise ValueError(
                        f"too many values to unpack (expected {len(elements)})"
                    )
            if len(items) < len(elements):
                raise ValueError(
                    "not enough values to unpack"
                    f" (expected {len(elements)}, got {len(items)})"
                )
            return items
        star = starred[0]
        items = list(iterator)
        after = len(elements) - star - 1
        if len(items) < star + after:
            raise ValueError(
                "not enough values to unpack "
                f"(expected at least {star + after}, got {len(items)})"
            )
        middle = items[star : len(items) - after]
        return [*items[:star], middle, *items[len(items) - after :]]

    # -- expressions ----------------------------------------------------

    def visit_Constant(self, node: ast.Constant, environment: Environment) -> Any:
        """Return the literal's value."""
        return node.value

    def visit_Name(self, node: ast.Name, environment: Environment) -> Any:
        """Return the value the name resolves to in this environment."""
        return environment.load(node.id)

    def visit_BinOp(self, node: ast.BinOp, environment: Environment) -> Any:
        """Evaluate both operands, left first, and apply the operator."""
        dispatch = self._dispatch
        left = dispatch[type(node.left)](node.left, environment)
        right = dispatch[type(node.right)](node.right, environment)
        return _BINARY_OPERATORS[type(node.op)](left, right)

    def visit_UnaryOp(self, node: ast.UnaryOp, environment: Environment) -> Any:
        """Evaluate the operand and apply the operator."""
        return _UNARY_OPERATORS[type(node.op)](self.evaluate(node.operand, environment))

    def visit_BoolOp(self, node: ast.BoolOp, environment: Environment) -> Any:
        """Return the first operand that decides ``and``/``or``, or the last."""
        stop_when_true = isinstance(node.op, ast.Or)
        value: Any = None
        for operand in node.values:
            value = self.evaluate(operand, environment)
            if bool(value) is stop_when_true:
                return value
        return value

    def visit_Compare(self, node: ast.Compare, environment: Environment) -> Any:
        """Evaluate a comparison chain, stopping at the first false link."""
        dispatch = self._dispatch
        left = dispatch[type(node.left)](node.left, environment)
        result: Any = True
        for operator_node, comparator in zip(node.ops, node.comparators, strict=True):
            right = dispatch[type(comparator)](comparator, environment)
            result = _COMPARISONS[type(operator_node)](left, right)
            if not result:
                return result
            left = right
        return result

    def visit_IfExp(self, node: ast.IfExp, environment: Environment) -> Any:
        """Evaluate the body or the ``else`` part, as the test says."""
        if self.evaluate(node.test, environment):
            return self.evaluate(node.body, environment)
        return self.evaluate(node.orelse, environment)

    def visit_Call(self, node: ast.Call, environment: Environment) -> Any:
        """Evaluate the callee and the arguments (unpacking ``*``, ``**``), call."""
        dispatch = self._dispatch
        function = dispatch[type(node.func)](node.func, environment)
        arguments: list[Any] = []
        for argument in node.args:
            if type(argument) is ast.Starred:
                arguments.extend(self.evaluate(argument.value, environment))
            else:
                arguments.append(dispatch[type(argument)](argument, environment))
        keywords: Namespace = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value, environment)
            if keyword.arg is None:
                keywords.update(value)
            else:
                keywords[keyword.arg] = value
        if type(function) is Function:
            return self.call_function(function, tuple(arguments), keywords)
        return function(*arguments, **keywords)

    def visit_Attribute(self, node: ast.Attribute, environment: Environment) -> Any:
        """Return the named attribute of the evaluated object."""
        return getattr(self.evaluate(node.value, environment), node.attr)

    def visit_Subscript(self, node: ast.Subscript, environment: Environment) -> Any:
        """Return the item (or slice) of the evaluated container."""
        dispatch = self._dispatch
        container = dispatch[type(node.value)](node.value, environment)
        return container[dispatch[type(node.slice)](node.slice, environment)]

    def visit_Slice(self, node: ast.Slice, environment: Environment) -> slice:
        """Return a :class:`slice` of the evaluated bounds."""
        lower, upper, step = (
            None if part is None else self.evaluate(part, environment)
            for part in (node.lower, node.upper, node.step)
        )
        return slice(lower, upper, step)

    def _elements(self, nodes: list[ast.expr], environment: Environment) -> list[Any]:
        items: list[Any] = []
        for element in nodes:
            if isinstance(element, ast.Starred):
                items.extend(self.evaluate(element.value, environment))
            else:
                items.append(self.evaluate(element, environment))
        return items

    def visit_List(self, node: ast.List, environment: Environment) -> list[Any]:
        """Build a list, unpacking ``*`` elements."""
        return self._elements(node.elts, environment)

    def visit_Tuple(self, node: ast.Tuple, environment: Environment) -> tuple[Any, ...]:
        """Build a tuple, unpacking ``*`` elements."""
        return tuple(self._elements(node.elts, environment))

    def visit_Set(self, node: ast.Set, environment: Environment) -> set[Any]:
        """Build a set, unpacking ``*`` elements."""
        return set(self._elements(node.elts, environment))

    def visit_Dict(self, node: ast.Dict, environment: Environment) -> dict[Any, Any]:
        """Build a dict, merging ``**`` mappings in order."""
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                result.update(self.evaluate(value, environment))
            else:
                result[self.evaluate(key, environment)] = self.evaluate(
                    value, environment
                )
        return result

    def visit_Lambda(self, node: ast.Lambda, environment: Environment) -> Function:
        """Make a :class:`Function` whose body returns the expression."""
        body = self._lambda_bodies.get(node)
        if body is None:
            body = self._lambda_bodies[node] = [
                ast.copy_location(ast.Return(value=node.body), node.body)
            ]
        return self._make_function(node, body, environment)

    def visit_JoinedStr(self, node: ast.JoinedStr, environment: Environment) -> str:
        """Concatenate an f-string's parts."""
        return "".join(str(self.evaluate(part, environment)) for part in node.values)

    def visit_FormattedValue(
        self, node: ast.FormattedValue, environment: Environment
    ) -> str:
        """Convert (``!r``, ``!s``, ``!a``) and format one f-string field."""
        value = self.evaluate(node.value, environment)
        if node.conversion != -1:
            value = _CONVERSIONS[node.conversion](value)
        spec = (
            ""
            if node.format_spec is None
            else self.evaluate(node.format_spec, environment)
        )
        return format(value, spec)

    # -- comprehensions -------------------------------------------------

    def _comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
        environment: Environment,
    ) -> tuple[Environment, Iterator[None]]:
        """Return a comprehension's environment and an iterator binding its targets.

        The first iterable is evaluated in the enclosing scope, now, as CPython
        does; the rest are evaluated inside, once per outer item.
        """
        scope = self._scopes.get(node)
        if scope is None:
            scope = self._scopes[node] = _comprehension_scope(node.generators)
        inner = Environment(
            environment.module_globals,
            {},
            scope=scope,
            enclosing=environment.function_parent(),
            qualname_prefix=environment.qualname_prefix,
        )
        first = iter(self.evaluate(node.generators[0].iter, environment))
        return inner, self._bind_generators(node.generators, 0, first, inner)

    def _bind_generators(
        self,
        generators: list[ast.comprehension],
        index: int,
        iterable: Iterator[Any],
        inner: Environment,
    ) -> Iterator[None]:
        generator = generators[index]
        last = index == len(generators) - 1
        for item in iterable:
            self.assign(generator.target, item, inner)
            if all(self.evaluate(condition, inner) for condition in generator.ifs):
                if last:
                    yield None
                else:
                    following = generators[index + 1]
                    yield from self._bind_generators(
                        generators,
                        index + 1,
                        iter(self.evaluate(following.iter, inner)),
                        inner,
                    )

    def visit_ListComp(self, node: ast.ListComp, environment: Environment) -> list[Any]:
        """Build a list from a comprehension run in its own scope."""
        inner, bindings = self._comprehension(node, environment)
        return [self.evaluate(node.elt, inner) for _ in bindings]

    def visit_SetComp(self, node: ast.SetComp, environment: Environment) -> set[Any]:
        """Build a set from a comprehension run in its own scope."""
        inner, bindings = self._comprehension(node, environment)
        return {self.evaluate(node.elt, inner) for _ in bindings}

    def visit_DictComp(
        self, node: ast.DictComp, environment: Environment
    ) -> dict[Any, Any]:
        """Build a dict from a comprehension run in its own scope."""
        inner, bindings = self._comprehension(node, environment)
        return {
            self.evaluate(node.key, inner): self.evaluate(node.value, inner)
            for _ in bindings
        }

    def visit_GeneratorExp(
        self, node: ast.GeneratorExp, environment: Environment
    ) -> Iterator[Any]:
        """Return a generator that runs the comprehension lazily."""
        inner, bindings = self._comprehension(node, environment)
        return (self.evaluate(node.elt, inner) for _ in bindings)


def run(
    source: str, filename: str = "<treewalk>", namespace: Namespace | None = None
) -> Namespace:
    r"""Parse *source*, check it is in the subset, run it; return its namespace.

    Raises :class:`SyntaxError` (or its subclass
    :class:`~pyinternals.vm.treewalk_subset.UnsupportedSyntaxError`) before
    running anything if the program cannot be run, and lets the program's
    own exceptions propagate.

    >>> run("squares = {n: n * n for n in range(4) if n % 2}")["squares"]
    {1: 1, 3: 9}
    >>> try:
    ...     run("x = 1\nasync def f():\n    pass\n", "demo.py")
    ... except SyntaxError as error:
    ...     print(error.msg, error.filename, error.lineno, error.offset)
    'async def' is outside the tree-walking interpreter's subset demo.py 2 1
    """
    tree = ast.parse(source, filename)
    return Interpreter(filename).execute(tree, namespace, source)


def outcome(source: str) -> Outcome:
    r"""Run *source* on the tree-walking interpreter and report what it did.

    The :class:`~pyinternals.compiler.differential.Outcome` is computed as
    :func:`pyinternals.compiler.differential.run` computes CPython's: printed
    output, the escaping exception as ``"Type: message"``, and the line of
    the innermost statement that exception came from.

    >>> outcome("print(1 + 1)\n[][0]\n")
    Outcome(stdout='2\n', value=None,
            error='IndexError: list index out of range', line=2)
    """
    output = io.StringIO()
    error = ""
    line = None
    interpreter = Interpreter("<program>")
    namespace: Namespace = {"__name__": "__program__"}
    try:
        tree = ast.parse(source, "<program>")
        with redirect_stdout(output):
            interpreter.execute(tree, namespace, source)
    except Exception as exception:  # the program's own failure is its outcome
        error = "".join(traceback.format_exception_only(exception)).strip()
        error = error.splitlines()[-1]
        line = interpreter.error_line
    return Outcome(output.getvalue(), None, error, line)


def assert_same(source: str) -> None:
    r"""Check that *source* behaves the same on CPython and on the tree walker.

    Raises :class:`AssertionError` naming both outcomes when they differ.

    >>> assert_same("def f(n):\n    return n * f(n - 1) if n else 1\nprint(f(9))\n")
    """
    expected = run_on_cpython(source, compiler="cpython")
    actual = outcome(source)
    if expected != actual:
        raise AssertionError(f"CPython's: {expected}\ntree walker's: {actual}")
