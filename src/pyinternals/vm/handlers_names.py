r"""Opcode handlers for names: fast locals, cells, namespaces, attributes, imports.

Since 3.11 a function's variables live in one array, ``localsplus``: fast
locals by index (``LOAD_FAST``), then cells (``MAKE_CELL`` wraps a slot in a
cell, ``LOAD_DEREF`` reads through it) and the free variables
``COPY_FREE_VARS`` copies from the closure. Module and class bodies keep
their names in dictionaries (``LOAD_NAME``); globals and builtins are two
more dictionaries. The error messages are CPython's (``Python/ceval.c``,
``format_exc_check_arg`` and ``format_exc_unbound``).

>>> from pyinternals.vm.machine import exec_source
>>> source = "def f(x):\n    return lambda: x + 1\nr = f(1)()\n"
>>> exec_source(source)["r"]
2
"""

from __future__ import annotations

import sys
from types import CellType
from typing import Any

from pyinternals.vm.frame import NULL, Frame, Instruction
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["NameHandlers"]

_AFTER_311 = sys.version_info >= (3, 12)


def _unbound_local(name: str) -> UnboundLocalError:
    return UnboundLocalError(
        f"cannot access local variable '{name}' where it is not associated with a value"
    )


def _unbound_free(name: str) -> NameError:
    return NameError(
        f"cannot access free variable '{name}' where it is not associated with a "
        "value in enclosing scope",
        name=name,
    )


def _not_defined(name: str) -> NameError:
    return NameError(f"name '{name}' is not defined", name=name)


class NameHandlers(EvalLoop):
    """Handlers for locals, cells, dictionary namespaces, attributes, imports."""

    # --- fast locals ----------------------------------------------------------

    def _load_local(self, frame: Frame, index: int) -> Any:
        value = frame.localsplus[index]
        if value is NULL:
            raise _unbound_local(frame.localsplus_names[index])
        return value

    def op_LOAD_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """Push local ``arg``; unbound, raise ``UnboundLocalError``."""
        value = frame.localsplus[instruction.arg]
        if value is NULL:  # the check of _load_local, inlined: the hottest handler
            raise _unbound_local(frame.localsplus_names[instruction.arg])
        frame.stack.append(value)

    op_LOAD_FAST_CHECK = op_LOAD_FAST

    def op_LOAD_FAST_AND_CLEAR(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: push local ``arg`` (maybe ``NULL``) and unbind it."""
        frame.stack.append(frame.localsplus[instruction.arg])
        frame.localsplus[instruction.arg] = NULL

    def op_LOAD_FAST_LOAD_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: push two locals, numbered by the argument's two nibbles."""
        first = frame.localsplus[instruction.arg >> 4]
        second = frame.localsplus[instruction.arg & 15]
        if first is NULL or second is NULL:  # rare: let _load_local raise
            first = self._load_local(frame, instruction.arg >> 4)
            second = self._load_local(frame, instruction.arg & 15)
        frame.stack.append(first)
        frame.stack.append(second)

    def op_STORE_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """Pop into local ``arg``."""
        frame.localsplus[instruction.arg] = frame.stack.pop()

    op_STORE_FAST_MAYBE_NULL = op_STORE_FAST

    def op_STORE_FAST_LOAD_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: pop into one local, push another."""
        frame.localsplus[instruction.arg >> 4] = frame.stack.pop()
        frame.stack.append(self._load_local(frame, instruction.arg & 15))

    def op_STORE_FAST_STORE_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: pop into two locals."""
        frame.localsplus[instruction.arg >> 4] = frame.stack.pop()
        frame.localsplus[instruction.arg & 15] = frame.stack.pop()

    def op_DELETE_FAST(self, frame: Frame, instruction: Instruction) -> None:
        """Unbind local ``arg`` (it must be bound)."""
        self._load_local(frame, instruction.arg)
        frame.localsplus[instruction.arg] = NULL

    # --- cells and free variables ------------------------------------------

    def _cell(self, frame: Frame, index: int) -> CellType:
        cell: CellType = frame.localsplus[index]
        return cell

    def _unbound_deref(self, frame: Frame, index: int) -> NameError:
        name = frame.localsplus_names[index]
        if index >= len(frame.localsplus) - len(frame.code.co_freevars):
            return _unbound_free(name)
        return _unbound_local(name)

    def op_MAKE_CELL(self, frame: Frame, instruction: Instruction) -> None:
        """Turn slot ``arg`` into a cell holding its current value."""
        value = frame.localsplus[instruction.arg]
        frame.localsplus[instruction.arg] = (
            CellType() if value is NULL else CellType(value)
        )

    def op_COPY_FREE_VARS(self, frame: Frame, instruction: Instruction) -> None:
        """Copy the function's closure cells into the last ``arg`` slots."""
        first = len(frame.localsplus) - instruction.arg
        frame.localsplus[first:] = frame.closure[: instruction.arg]

    def op_LOAD_CLOSURE(self, frame: Frame, instruction: Instruction) -> None:
        """Push the cell in slot ``arg`` itself (to build a closure)."""
        frame.stack.append(frame.localsplus[instruction.arg])

    def op_LOAD_DEREF(self, frame: Frame, instruction: Instruction) -> None:
        """Push the contents of the cell in slot ``arg``."""
        try:
            frame.stack.append(self._cell(frame, instruction.arg).cell_contents)
        except ValueError:
            raise self._unbound_deref(frame, instruction.arg) from None

    def op_STORE_DEREF(self, frame: Frame, instruction: Instruction) -> None:
        """Pop into the cell in slot ``arg``."""
        self._cell(frame, instruction.arg).cell_contents = frame.stack.pop()

    def op_DELETE_DEREF(self, frame: Frame, instruction: Instruction) -> None:
        """Empty the cell in slot ``arg``."""
        cell = self._cell(frame, instruction.arg)
        try:
            del cell.cell_contents
        except ValueError:
            raise self._unbound_deref(frame, instruction.arg) from None

    def op_LOAD_CLASSDEREF(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: a class body's free variable: its namespace first, then the cell."""
        frame.stack.append(frame.locals)
        self.op_LOAD_FROM_DICT_OR_DEREF(frame, instruction)

    def op_LOAD_FROM_DICT_OR_DEREF(
        self, frame: Frame, instruction: Instruction
    ) -> None:
        """3.13: look the slot's name up in the popped mapping, else the cell."""
        mapping = frame.stack.pop()
        name = frame.localsplus_names[instruction.arg]
        try:
            frame.stack.append(mapping[name])
        except KeyError:
            self.op_LOAD_DEREF(frame, instruction)

    # --- names in dictionaries: module and class bodies, globals --------------

    def _load_global_or_builtin(self, frame: Frame, name: str) -> Any:
        try:
            return frame.globals[name]
        except KeyError:
            try:
                return frame.builtins[name]
            except KeyError:
                raise _not_defined(name) from None

    def _frame_locals(self, frame: Frame) -> Any:
        if frame.locals is None:
            raise SystemError(
                f"no locals found when accessing a name in {frame.code.co_name}"
            )
        return frame.locals

    def op_LOAD_NAME(self, frame: Frame, instruction: Instruction) -> None:
        """Push a name from the locals namespace, the globals or the builtins."""
        name = frame.code.co_names[instruction.arg]
        try:
            frame.stack.append(self._frame_locals(frame)[name])
        except KeyError:
            frame.stack.append(self._load_global_or_builtin(frame, name))

    def op_STORE_NAME(self, frame: Frame, instruction: Instruction) -> None:
        """Pop into a name of the locals namespace."""
        self._frame_locals(frame)[frame.code.co_names[instruction.arg]] = (
            frame.stack.pop()
        )

    def op_DELETE_NAME(self, frame: Frame, instruction: Instruction) -> None:
        """Delete a name from the locals namespace."""
        name = frame.code.co_names[instruction.arg]
        try:
            del self._frame_locals(frame)[name]
        except KeyError:
            raise _not_defined(name) from None

    def op_LOAD_LOCALS(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: push the locals namespace."""
        frame.stack.append(self._frame_locals(frame))

    def op_LOAD_FROM_DICT_OR_GLOBALS(
        self, frame: Frame, instruction: Instruction
    ) -> None:
        """3.13: a name from the popped mapping, else globals, else builtins."""
        mapping = frame.stack.pop()
        name = frame.code.co_names[instruction.arg]
        try:
            frame.stack.append(mapping[name])
        except KeyError:
            frame.stack.append(self._load_global_or_builtin(frame, name))

    def op_LOAD_GLOBAL(self, frame: Frame, instruction: Instruction) -> None:
        """Push a global or builtin; the argument's low bit adds a ``NULL``."""
        name = frame.code.co_names[instruction.arg >> 1]
        globals_, builtins_ = frame.globals, frame.builtins
        if type(globals_) is dict and type(builtins_) is dict:
            # as _PyDict_LoadGlobal: plain lookups, no KeyError raised and caught
            value = globals_.get(name, NULL)
            if value is NULL:
                value = builtins_.get(name, NULL)
                if value is NULL:
                    raise _not_defined(name)
        else:
            value = self._load_global_or_builtin(frame, name)
        stack = frame.stack
        if instruction.arg & 1:
            if _AFTER_311:
                stack.append(value)
                stack.append(NULL)
                return
            stack.append(NULL)
        stack.append(value)

    def op_STORE_GLOBAL(self, frame: Frame, instruction: Instruction) -> None:
        """Pop into a global."""
        frame.globals[frame.code.co_names[instruction.arg]] = frame.stack.pop()

    def op_DELETE_GLOBAL(self, frame: Frame, instruction: Instruction) -> None:
        """Delete a global."""
        name = frame.code.co_names[instruction.arg]
        try:
            del frame.globals[name]
        except KeyError:
            raise _not_defined(name) from None

    # --- attributes -------------------------------------------------------------

    def op_LOAD_ATTR(self, frame: Frame, instruction: Instruction) -> None:
        """Replace the top by its attribute (3.13: low bit, method form + ``NULL``)."""
        stack = frame.stack
        if not _AFTER_311:
            stack[-1] = getattr(stack[-1], frame.code.co_names[instruction.arg])
            return
        stack[-1] = getattr(stack[-1], frame.code.co_names[instruction.arg >> 1])
        if instruction.arg & 1:
            stack.append(NULL)

    def op_LOAD_METHOD(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: replace the top by ``NULL`` and its (bound) attribute."""
        owner = frame.stack.pop()
        frame.stack.append(NULL)
        frame.stack.append(getattr(owner, frame.code.co_names[instruction.arg]))

    def op_LOAD_SUPER_ATTR(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``super(class, self).name`` from the three items on top."""
        owner = frame.stack.pop()
        class_ = frame.stack.pop()
        global_super = frame.stack.pop()
        arguments = (class_, owner) if instruction.arg & 2 else ()
        proxy = self.call_object(global_super, arguments, None)
        frame.stack.append(getattr(proxy, frame.code.co_names[instruction.arg >> 2]))
        if instruction.arg & 1:
            frame.stack.append(NULL)

    def op_STORE_ATTR(self, frame: Frame, instruction: Instruction) -> None:
        """Set an attribute of the top to the value below it."""
        owner = frame.stack.pop()
        setattr(owner, frame.code.co_names[instruction.arg], frame.stack.pop())

    def op_DELETE_ATTR(self, frame: Frame, instruction: Instruction) -> None:
        """Delete an attribute of the top."""
        delattr(frame.stack.pop(), frame.code.co_names[instruction.arg])

    # --- imports and module-level helpers -------------------------------------

    def op_IMPORT_NAME(self, frame: Frame, instruction: Instruction) -> None:
        """Import a module with ``__import__`` (level and fromlist popped)."""
        fromlist = frame.stack.pop()
        level = frame.stack.pop()
        importer = frame.builtins.get("__import__")
        if importer is None:
            raise ImportError("__import__ not found")
        module = importer(
            frame.code.co_names[instruction.arg],
            frame.globals,
            frame.locals,
            fromlist,
            level,
        )
        frame.stack.append(module)

    def op_IMPORT_FROM(self, frame: Frame, instruction: Instruction) -> None:
        """Push a name from the module on top (``from m import name``)."""
        module = frame.stack[-1]
        name = frame.code.co_names[instruction.arg]
        try:
            frame.stack.append(getattr(module, name))
        except AttributeError:
            full_name = f"{getattr(module, '__name__', '?')}.{name}"
            if full_name in sys.modules:
                frame.stack.append(sys.modules[full_name])
                return
            module_name = getattr(module, "__name__", "<unknown module name>")
            raise ImportError(
                f"cannot import name '{name}' from '{module_name}' "
                f"({getattr(module, '__file__', None) or 'unknown location'})",
                name=module_name,
            ) from None

    def import_star(self, frame: Frame, module: Any) -> None:
        """Copy *module*'s public names into the frame's namespace."""
        names = getattr(module, "__all__", None)
        if names is None:
            names = [name for name in vars(module) if not name.startswith("_")]
        namespace = self._frame_locals(frame)
        for name in names:
            namespace[name] = getattr(module, name)

    def op_IMPORT_STAR(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: ``from m import *`` into the locals namespace."""
        self.import_star(frame, frame.stack.pop())

    def op_SETUP_ANNOTATIONS(self, frame: Frame, instruction: Instruction) -> None:
        """Create ``__annotations__`` in the namespace if missing.

        A namespace that is not a dict is asked by subscription, a
        ``KeyError`` meaning missing, as CPython asks (not with ``in``).
        """
        namespace = self._frame_locals(frame)
        if type(namespace) is dict:
            if "__annotations__" not in namespace:
                namespace["__annotations__"] = {}
            return
        try:
            namespace["__annotations__"]
        except KeyError:
            namespace["__annotations__"] = {}
