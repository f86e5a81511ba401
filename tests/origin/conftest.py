"""Keep Hypothesis's example database out of the repository root.

pyproject.toml's ``norecursedirs`` replaces pytest's defaults (which skip
dot-directories), and Hypothesis's pytest plugin turns a ``.hypothesis``
directory in a collected folder into a warning, which ``filterwarnings =
error`` makes fatal. Storing the database under ``.pytest_cache`` avoids it.
"""

from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(
    Path(__file__).resolve().parents[2] / ".pytest_cache" / "hypothesis"
)
