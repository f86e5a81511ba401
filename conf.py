"""Sphinx configuration for *Python Internals, Rebuilt*.

The book's sources are in ``book/``; this file sits at the repository root
and is passed with ``-c .`` (see ``noxfile.py``). Besides the usual settings
it does three jobs the build depends on:

* keys the notebook execution cache on a digest of ``src/`` and
  ``cpython/patches/``, so that a change to the companion library re-executes
  the chapters (MyST-NB's own cache only looks at a notebook's cells);
* runs doxygen over ``src/native/`` when a C file is newer than its XML, for
  breathe's pages in the API appendix;
* tells the nitpicky reference checker which targets cannot be resolved
  offline (the standard library's) so that every other broken reference
  fails the build.
"""

from __future__ import annotations

import builtins
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "_build"
NATIVE = ROOT / "src" / "native"

project = "Python Internals, Rebuilt"
author = "The Python Internals, Rebuilt authors"
copyright = "2026, " + author
release = "0.1"

extensions = [
    "myst_nb",
    "sphinx.ext.graphviz",
    "autodoc2",
    "breathe",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
nitpicky = True
numfig = True
pygments_style = "sphinx"

# -- MyST and notebook execution ---------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_merge_streams = True


def _source_digest() -> str:
    """Hash every file the chapters' cells may import or call into."""
    digest = hashlib.sha256()
    suffixes = {".py", ".pyx", ".pxd", ".c", ".h", ".patch", ".gram", ".asdl"}
    for top in (ROOT / "src", ROOT / "cpython" / "patches"):
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*")):
            if path.suffix in suffixes and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _execution_cache_path() -> str:
    """One cache folder per state of src/; folders for older states are removed."""
    caches = BUILD / "jupyter_cache"
    current = caches / _source_digest()
    if caches.is_dir():
        for stale in caches.iterdir():
            if stale != current:
                shutil.rmtree(stale, ignore_errors=True)
    return str(current)


nb_execution_cache_path = _execution_cache_path()

# -- API reference: sphinx-autodoc2 (Python) and breathe (C) -------------------

autodoc2_packages = [{"path": "../src/pyinternals", "auto_mode": True}]
autodoc2_output_dir = "apidocs"
autodoc2_hidden_objects = ["private", "inherited", "dunder"]
autodoc2_index_template = None
# Every module's page lists what its __all__ names, except the compiler
# package's: it loads its modules and shortcuts on first use (PEP 562), which
# static analysis cannot follow, and its docstring points to each shortcut.
autodoc2_module_all_regexes = [r"pyinternals\.(?!compiler$).*"]

DOXYGEN_XML = BUILD / "doxygen" / "xml"
breathe_projects = {"native": str(DOXYGEN_XML)}
breathe_default_project = "native"
breathe_domain_by_extension = {"h": "c", "c": "c"}
breathe_show_include = False


def _run_doxygen() -> None:
    """Regenerate the doxygen XML for src/native/ when a C source is newer."""
    sources = [p for p in NATIVE.rglob("*") if p.suffix in {".c", ".h"}]
    index = DOXYGEN_XML / "index.xml"
    if not sources:
        return
    if index.exists() and all(
        p.stat().st_mtime <= index.stat().st_mtime for p in sources
    ):
        return
    doxygen = shutil.which("doxygen")
    if doxygen is None:
        sys.exit("doxygen is needed for the C API appendix: run 'make book'")
    (BUILD / "doxygen").mkdir(parents=True, exist_ok=True)
    settings = {
        "PROJECT_NAME": '"pyinternals native"',
        "INPUT": str(NATIVE),
        "FILE_PATTERNS": "*.h *.c",
        "RECURSIVE": "YES",
        "OUTPUT_DIRECTORY": str(BUILD / "doxygen"),
        "GENERATE_XML": "YES",
        "GENERATE_HTML": "NO",
        "GENERATE_LATEX": "NO",
        "OPTIMIZE_OUTPUT_FOR_C": "YES",
        "EXTRACT_STATIC": "YES",
        "QUIET": "YES",
        "WARN_IF_UNDOCUMENTED": "YES",
        "WARN_AS_ERROR": "YES",
    }
    config = "".join(f"{key} = {value}\n" for key, value in settings.items())
    subprocess.run([doxygen, "-"], input=config, text=True, check=True, cwd=ROOT)


_run_doxygen()

# -- References that cannot resolve offline ------------------------------------
# There is no network at build time, so intersphinx cannot fetch the Python
# documentation's inventory. References to the standard library and to
# builtins are therefore accepted unresolved; a reference to anything in
# pyinternals that does not exist still fails the build.

_stdlib = "|".join(sorted(sys.stdlib_module_names | {"_typeshed", "typing_extensions"}))
nitpick_ignore_regex = [
    (r"py:.*", rf"(?:{_stdlib})(?:\..*)?"),
    # Private helpers are left out of the API appendix on purpose; docstrings
    # that name them (the chapters show them as listings) cannot link there.
    (r"py:.*", r"(?:.*\.)?_[A-Za-z]\w*(?:\.\w+)*"),
    (r"c:.*", r"Py\w+|_Py\w+|Py_\w+|size_t|uint\w*_t|int\w*_t|ssize_t"),
    # Methods and attributes of builtins (str.splitlines, int.bit_length).
    (r"py:(?:meth|attr)", rf"(?:{'|'.join(dir(builtins))})\.\w+"),
]
nitpick_ignore = [
    (role, name)
    for name in dir(builtins)
    for role in ("py:class", "py:obj", "py:exc", "py:func", "py:data")
]

# -- HTML ----------------------------------------------------------------------

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
html_static_path: list[str] = []

# -- LaTeX / PDF -----------------------------------------------------------------

latex_engine = "pdflatex"
latex_documents = [
    (root_doc, "python-internals-rebuilt.tex", project, author, "manual"),
]
latex_toplevel_sectioning = "part"
# The preface is a top-level document like the parts, so LaTeX would make it
# "Part I". index.md calls this macro just before it, turning that one \part
# into an unnumbered chapter-style heading.
_LATEX_PREAMBLE = r"""
\setcounter{tocdepth}{1}
\newcommand{\pyinternalsUnnumberedNextPart}{%
  \let\pyinternalsSavedPart\part
  \renewcommand{\part}[1]{%
    \chapter*{##1}\addcontentsline{toc}{part}{##1}\markboth{##1}{##1}%
    \let\part\pyinternalsSavedPart}}
"""
latex_show_urls = "footnote"
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "fontpkg": r"\usepackage{tgtermes}\usepackage{tgheros}\usepackage{tgcursor}",
    "preamble": _LATEX_PREAMBLE,
    "sphinxsetup": "verbatimwithframe=false, VerbatimColor={rgb}{0.96,0.96,0.96}",
}
graphviz_output_format = "svg"
