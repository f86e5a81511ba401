"""Every build and check of the book, as a named nox session.

``nox`` alone runs ``test`` and ``book``. The Makefile wraps these sessions and
installs the system tools they call (graphviz, doxygen, valgrind, LaTeX).
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["test", "book"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
BUILD = ROOT / "_build"
SPHINX_STRICT = ["-W", "--keep-going", "-n", "-c", str(ROOT)]


def _install_project(session: nox.Session, extra: str, **env: str) -> None:
    """Install the project in development mode, with its C extensions built."""
    session.install("-e", f".[{extra}]", env=env or None)


@nox.session
def test(session: nox.Session) -> None:
    """Unit tests, doctests in src/ and the >>> examples in the chapters."""
    _install_project(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(name="test-pinned", python=False)
def test_pinned(session: nox.Session) -> None:
    """Chapters 3 and 4's tests and doctests again, on the pinned CPython 3.13.5.

    The compiler and the interpreters support 3.11 and 3.13, and some of the
    compiler's checks only exist on 3.13: those against CPython's own code
    generator and optimizer, which 3.13 exposes in ``_testinternalcapi``. A
    virtual environment made from the pinned interpreter gets the test
    dependencies of ``pyproject.toml``; the package is imported from
    ``src/``.
    """
    python = _pinned_cpython(session)
    venv = ROOT / ".nox" / "test-pinned"
    venv_python = venv / "bin" / "python"
    if not venv_python.exists() or venv_python.resolve() != python.resolve():
        session.run(str(python), "-m", "venv", "--clear", str(venv), external=True)
    with (ROOT / "pyproject.toml").open("rb") as project:
        needs = tomllib.load(project)["project"]["optional-dependencies"]["test"]
    session.run(
        str(venv_python), "-m", "pip", "install", "--quiet", *needs, external=True
    )
    session.run(
        str(venv_python),
        "-m",
        "pytest",
        "tests/compiler",
        "tests/vm",
        "src/pyinternals/compiler",
        "src/pyinternals/vm",
        "src/pyinternals/pinned.py",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "src")},
        external=True,
    )


@nox.session
def book(session: nox.Session) -> None:
    """Execute the chapters and build the HTML book into _build/html.

    Pages that set 3.11 beside 3.13 run their 3.13 half on the pinned
    CPython 3.13.5, built here first when the cache does not have it.
    """
    _install_project(session, "book")
    pinned = _pinned_cpython(session)
    session.run(
        "sphinx-build",
        *SPHINX_STRICT,
        "-b",
        "html",
        "book",
        str(BUILD / "html"),
        *session.posargs,
        env={"PYINTERNALS_PINNED_PYTHON": str(pinned)},
    )


@nox.session
def pdf(session: nox.Session) -> None:
    """Build the book as a PDF through LaTeX and latexmk."""
    _install_project(session, "book")
    pinned = _pinned_cpython(session)
    latex = BUILD / "latex"
    session.run(
        "sphinx-build",
        *SPHINX_STRICT,
        "-b",
        "latex",
        "book",
        str(latex),
        env={"PYINTERNALS_PINNED_PYTHON": str(pinned)},
    )
    session.run("make", "-C", str(latex), "all-pdf", external=True, silent=True)
    # Figures are PDFs too; the books are the ones with a .tex of their own.
    pdfs = [tex.with_suffix(".pdf") for tex in sorted(latex.glob("*.tex"))]
    if not pdfs or not all(pdf_file.exists() for pdf_file in pdfs):
        session.error("latexmk produced no PDF")
    for pdf_file in pdfs:
        shutil.copy2(pdf_file, BUILD / pdf_file.name)
        session.log(f"PDF written to {BUILD / pdf_file.name}")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff's lint rules and format check over the whole repository."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/pyinternals and the CPython build driver.

    ``src/pyinternals`` is configured in pyproject.toml. The driver is checked
    apart: ``cpython/build.py`` imports the package ``driver`` from its own
    folder, which ``MYPYPATH`` makes mypy search too.
    """
    _install_project(session, "typecheck")
    session.run("mypy")
    cpython = ROOT / "cpython"
    session.run(
        "mypy",
        "--strict",
        str(cpython / "build.py"),
        str(cpython / "driver"),
        env={"MYPYPATH": str(cpython)},
    )


@nox.session
def native(session: nox.Session) -> None:
    """Build the C extensions without optimisation and test them under valgrind.

    The tests marked ``native`` exercise the extension modules; valgrind fails
    the session on any invalid read or write and on any definite leak.
    ``PYTHONMALLOC=malloc`` routes Python's own allocations through malloc so
    that valgrind sees them. ``tools/valgrind-python.supp`` silences the
    undefined-value reports raised inside the interpreter itself, and the
    glibc tunable turns off the AVX2 string routines, whose deliberate
    over-reads valgrind would report against CPython's callers.
    """
    _install_project(session, "test", CFLAGS="-O0 -g")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        session.error("valgrind is needed: run 'make native' to install it")
    session.run(
        valgrind,
        "--quiet",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
        f"--suppressions={ROOT / 'tools' / 'valgrind-python.supp'}",
        "--show-leak-kinds=definite",
        "python",
        "-m",
        "pytest",
        "-m",
        "native",
        "-p",
        "no:cacheprovider",
        "tests",
        *session.posargs,
        env={
            "PYTHONMALLOC": "malloc",
            "PYTHONDONTWRITEBYTECODE": "1",
            "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2",
        },
        external=True,
    )


@nox.session(venv_backend="none")
def cpython(session: nox.Session) -> None:
    """Build the pinned CPython with the book's patches and test them.

    A thin wrapper over ``cpython/build.py`` (see ``cpython/README.md``),
    which needs nothing beyond the standard library: the source tarball and
    build trees are cached under ``~/.cache/pyinternals``. Arguments after
    ``--`` go to the script, e.g. ``nox -s cpython -- --debug``.
    """
    import sys  # the interpreter nox runs on, which has tomllib (3.11+)

    script = ROOT / "cpython" / "build.py"
    session.run(sys.executable, str(script), *session.posargs, external=True)


def _pinned_cpython(session: nox.Session) -> Path:
    """Return the plain CPython 3.13.5 the book pins, building it if needed.

    ``cpython/build.py`` keeps its trees in ``~/.cache/pyinternals``; with a
    warm cache this takes about a second. Its pure-Python checks import
    ``pyinternals`` from ``src/`` through ``PYTHONPATH``.
    """
    script = ROOT / "cpython" / "build.py"
    session.run(sys.executable, str(script), "--regrtest", "skip", external=True)
    python = BUILD / "cpython" / "vanilla" / "python"
    if not python.exists():
        session.error(f"{python} was not built")
    return python


@nox.session(name="conformance-frontend")
def conformance_frontend(session: nox.Session) -> None:
    """Compare Chapter 3's front end with CPython's on the whole standard library.

    Tokenizer, parser, symbol tables and optimizer against ``tokenize``,
    ``ast.parse``, ``symtable`` and CPython's constant folding, on every
    ``.py`` file of the standard library, on this session's Python (3.11 on
    CI) and on the pinned CPython 3.13.5; then test_syntax's invalid
    snippets. Fails when a part misses the bar set by the chapter's issue.
    Arguments after ``--`` replace ``--check``, e.g. ``-- trees --every 10``.
    """
    _install_project(session, "test")
    args = session.posargs or ["--check"]
    session.run("python", "-m", "pyinternals.compiler.conformance", *args)
    python = _pinned_cpython(session)
    session.run(
        str(python),
        "-m",
        "pyinternals.compiler.conformance",
        *args,
        env={"PYTHONPATH": str(ROOT / "src")},
        external=True,
    )


@nox.session(name="conformance-backend")
def conformance_backend(session: nox.Session) -> None:
    """Compare Chapter 3's back end with CPython's, on 3.11 and on 3.13.5.

    On this session's Python and on the pinned CPython: our compiler against
    ``compile()`` code object by code object and our disassembler and table
    decoders against ``dis`` on the whole standard library, then CPython's
    own test modules (``test_grammar``, ``test_generators``…) compiled by
    our compiler and run, test by test against the same modules compiled by
    CPython. Fails below the issue's bars or when a test passes only with
    CPython's compiler. Arguments after ``--`` go to the corpus comparison
    (default ``--check``), e.g. ``-- bytecode --every 20``.
    """
    _install_project(session, "test")
    args = session.posargs or ["bytecode", "disasm", "--check"]
    suite = ["-m", "pyinternals.compiler", "tests", "--check"]
    session.run("python", "-m", "pyinternals.compiler.conformance", *args)
    session.run("python", *suite)
    python = _pinned_cpython(session)
    env = {"PYTHONPATH": str(ROOT / "src")}
    for command in (["-m", "pyinternals.compiler.conformance", *args], suite):
        session.run(str(python), *command, env=env, external=True)


@nox.session(name="conformance-vm")
def conformance_vm(session: nox.Session) -> None:
    """CPython's own test modules run on Chapter 4's VM, on 3.11 and on 3.13.5.

    Each of the issue's nineteen modules (``test_grammar`` … ``test_set``) is
    loaded with its functions and classes made by the VM and run with
    unittest, in a subprocess, beside the same module run by CPython; the
    table lists every test that passes only on CPython, with its reason.
    Fails when a module passes fewer than 95% of the tests CPython passes.
    Arguments after ``--`` replace the defaults, e.g. ``-- --modules
    test_bool --compiler ours``.
    """
    _install_project(session, "test")
    args = session.posargs or ["--check", "--workers", "2"]
    command = ["-m", "pyinternals.vm.conformance", *args]
    session.run("python", *command)
    python = _pinned_cpython(session)
    env = {"PYTHONPATH": str(ROOT / "src")}
    session.run(str(python), *command, env=env, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Time the book's rebuilt parts against CPython's, in the same run.

    Prints ratios (ours / CPython's); asserts nothing. Runs on this session's
    Python and on the pinned CPython 3.13.5: Chapter 3's compiler against
    ``compile()``, and Chapter 4's VM (with and without its specialization)
    and tree-walker against CPython on six programs.
    """
    _install_project(session, "test")
    # The compiler's timing takes a count of files from the arguments after
    # ``--``; the VM's takes its own defaults (programs, repeats).
    benchmarks = [
        ["pyinternals.compiler", "speed", *session.posargs],
        ["pyinternals.vm.bench"],
    ]
    for command in benchmarks:
        session.run("python", "-m", *command)
    python = _pinned_cpython(session)
    for command in benchmarks:
        session.run(
            str(python),
            "-m",
            *command,
            env={"PYTHONPATH": str(ROOT / "src")},
            external=True,
        )
