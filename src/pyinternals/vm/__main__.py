"""``python -m pyinternals.vm``: a program on the VM, or its REPL (:mod:`.cli`)."""

import sys

from pyinternals.vm.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
