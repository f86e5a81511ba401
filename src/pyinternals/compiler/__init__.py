"""Chapter 3: from source to bytecode.

CPython's compiler, rebuilt in Python and checked against the real one on
the whole standard library. The front end:

* :mod:`~pyinternals.compiler.tokenizer` turns source text into tokens, as
  :mod:`tokenize` does;
* :mod:`~pyinternals.compiler.parser` turns tokens into :mod:`ast` nodes with
  a PEG parser that :mod:`~pyinternals.compiler.pegen` generates from the
  grammar file in :mod:`~pyinternals.compiler.grammar`;
* :mod:`~pyinternals.compiler.scopes` computes the scopes of every name, as
  :mod:`symtable` does;
* :mod:`~pyinternals.compiler.optimizer` folds constants in the tree, as
  CPython's AST optimizer does.

The back end, from tree to code object:

* :mod:`~pyinternals.compiler.codegen` walks the tree and emits, per scope,
  a sequence of the instructions of :mod:`~pyinternals.compiler.instructions`;
* :mod:`~pyinternals.compiler.cfg` cuts it into basic blocks, which
  :mod:`~pyinternals.compiler.flowgraph` (3.12+) or
  :mod:`~pyinternals.compiler.flowgraph311` optimizes (with the rewrites
  inside one block in :mod:`~pyinternals.compiler.peephole`), and
  :mod:`~pyinternals.compiler.stackdepth` measures, with the facts about each
  instruction in :mod:`~pyinternals.compiler.opcodes`;
* :mod:`~pyinternals.compiler.assembler` lays out the bytes and writes the
  location table (:mod:`~pyinternals.compiler.linetable`) and the exception
  table (:mod:`~pyinternals.compiler.exceptiontable`);
* :mod:`~pyinternals.compiler.pipeline` chains every stage into
  :func:`compile`, whose code objects CPython runs.

Reading code back, and checking:

* :mod:`~pyinternals.compiler.disassembler` prints code objects as
  :mod:`dis` does, and :mod:`~pyinternals.compiler.visualizer` shows them
  beside their source; :mod:`~pyinternals.compiler.codeinfo` explains and
  compares their fields, :mod:`~pyinternals.compiler.unassembler` reads
  them back into the intermediate form;
* :mod:`~pyinternals.compiler.conformance` compares every part with CPython
  on the standard library, :mod:`~pyinternals.compiler.oracle` feeds
  CPython 3.13's own code generation to our back end,
  :mod:`~pyinternals.compiler.testsuite` runs CPython's test modules compiled
  by us (through the import hook of :mod:`~pyinternals.compiler.importer`),
  :mod:`~pyinternals.compiler.differential` runs the programs of
  :mod:`~pyinternals.compiler.programs` compiled both ways, and
  :mod:`~pyinternals.compiler.script` runs a file as ``python FILE`` would.

The package's own names are shortcuts to the main function of a stage:
``compile`` is :func:`pyinternals.compiler.pipeline.compile`, ``parse``
:func:`pyinternals.compiler.parser.parse`, ``tokenize``
:func:`pyinternals.compiler.tokenizer.tokenize`, ``symtable``
:func:`pyinternals.compiler.scopes.symtable`, ``optimize``
:func:`pyinternals.compiler.optimizer.optimize`, and ``dis`` and
``get_instructions`` those of :mod:`~pyinternals.compiler.disassembler`.
Modules and shortcuts are loaded on first use:

>>> import pyinternals.compiler as compiler
>>> exec(compiler.compile("print(6 * 7)", "<shortcut>", "exec"))
42
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyinternals.compiler import (
        assembler,
        cfg,
        codegen,
        codeinfo,
        conformance,
        differential,
        disassembler,
        exceptiontable,
        flowgraph,
        flowgraph311,
        grammar,
        importer,
        instructions,
        linetable,
        opcodes,
        optimizer,
        oracle,
        parser,
        peephole,
        pegen,
        pipeline,
        programs,
        render,
        scopes,
        script,
        speed,
        stackdepth,
        testsuite,
        tokenizer,
        unassembler,
        visualizer,
    )
    from pyinternals.compiler.disassembler import dis, get_instructions
    from pyinternals.compiler.optimizer import optimize
    from pyinternals.compiler.parser import parse
    from pyinternals.compiler.pipeline import compile
    from pyinternals.compiler.scopes import symtable
    from pyinternals.compiler.tokenizer import tokenize

# The stages load on first use (PEP 562): a program that needs one module of
# the package, such as the VM's command line reading the differential
# runner, does not pay for parsing the grammar's 9,000-line parser.
_FUNCTIONS = {
    "compile": "pipeline",
    "dis": "disassembler",
    "get_instructions": "disassembler",
    "optimize": "optimizer",
    "parse": "parser",
    "symtable": "scopes",
    "tokenize": "tokenizer",
}


def __getattr__(name: str) -> Any:
    if name in _FUNCTIONS:
        module = importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}")
        value: Any = getattr(module, name)
    elif name in __all__:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "assembler",
    "cfg",
    "codegen",
    "codeinfo",
    "compile",
    "conformance",
    "differential",
    "dis",
    "disassembler",
    "exceptiontable",
    "flowgraph",
    "flowgraph311",
    "get_instructions",
    "grammar",
    "importer",
    "instructions",
    "linetable",
    "opcodes",
    "optimize",
    "optimizer",
    "oracle",
    "parse",
    "parser",
    "peephole",
    "pegen",
    "pipeline",
    "programs",
    "render",
    "scopes",
    "script",
    "speed",
    "stackdepth",
    "symtable",
    "testsuite",
    "tokenize",
    "tokenizer",
    "unassembler",
    "visualizer",
]
