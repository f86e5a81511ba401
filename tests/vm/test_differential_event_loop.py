"""Programs compared with CPython run as a script would, even inside an event loop."""

import asyncio

from pyinternals.compiler.differential import outside_event_loop, run
from pyinternals.vm.differential import compare

ASYNC_PROGRAM = """
import asyncio
async def main():
    await asyncio.sleep(0)
    return 42
print(asyncio.run(main()))
"""

BARE_RAISE = """
try:
    raise
except RuntimeError as error:
    print(error)
"""


def test_a_program_inside_a_running_loop_runs_as_a_script_would() -> None:
    async def inside() -> tuple[str, bool]:
        outcome = run(ASYNC_PROGRAM, compiler="cpython")
        return outcome.stdout, compare(ASYNC_PROGRAM).agree

    assert asyncio.run(inside()) == ("42\n", True)


def test_no_exception_is_being_handled_when_the_program_starts() -> None:
    assert (
        run(BARE_RAISE, compiler="cpython").stdout == "No active exception to reraise\n"
    )
    assert compare(BARE_RAISE).agree


def test_an_exception_comes_back_from_the_other_thread() -> None:
    def fail() -> None:
        raise KeyError("lost")

    async def inside() -> str:
        try:
            outside_event_loop(fail)
        except KeyError as error:
            return str(error)
        return "nothing raised"

    assert asyncio.run(inside()) == "'lost'"
