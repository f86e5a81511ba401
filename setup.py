"""Build the C extension modules that live in ``src/native/``.

Everything else about the package is declared in ``pyproject.toml``; only the
extension list needs code, because setuptools has no stable declarative form
for it.
"""

from setuptools import Extension, setup

NATIVE = "src/native"

setup(
    ext_modules=[
        Extension(
            "pyinternals.runtime._objheader",
            sources=[f"{NATIVE}/objheader.c"],
            include_dirs=[NATIVE],
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=c11"],
        ),
    ],
)
