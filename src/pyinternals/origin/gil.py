"""The global interpreter lock at a glance: one CPU-bound job, three ways.

CPython lets one thread at a time run bytecode: a thread must hold the GIL
(``take_gil`` in ``Python/ceval_gil.c``) and gives it up when asked, every
``sys.getswitchinterval()`` seconds, or when it blocks (``drop_gil``). So
pure-Python work spread over threads does not run in parallel, while the
same work spread over processes does, each process having its own
interpreter and its own lock. :func:`measure` times :func:`count_primes` run
sequentially, in threads and in processes, :func:`measure_waiting` times
:func:`pause` (a stand-in for blocking I/O) sequentially and in threads, and
both return :class:`Timing` records; Chapter 1 plots them.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

__all__ = [
    "MODES",
    "Job",
    "Timing",
    "count_primes",
    "measure",
    "measure_waiting",
    "pause",
    "speedups",
]

MODES = ("sequential", "threads", "processes")
"""How :func:`measure` runs the jobs, in the order it reports them."""


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` by trial division: pure-Python CPU work.

    >>> count_primes(100)
    25
    >>> count_primes(2)
    0
    """
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count


@dataclass(frozen=True)
class Timing:
    """How long ``jobs`` calls of the work took when run one way."""

    mode: str
    workers: int
    jobs: int
    seconds: float
    results: tuple[int, ...]


def pause(milliseconds: int) -> int:
    """Sleep, as a thread blocked on I/O does, and return ``milliseconds``.

    ``time.sleep`` releases the GIL while it waits, like reading a file or a
    socket does, so other threads run in the meantime.

    >>> pause(1)
    1
    """
    time.sleep(milliseconds / 1000)
    return milliseconds


Job = Callable[[int], int]
"""A unit of work: takes an integer argument and returns an integer result."""


def _runner(
    job: Job, arguments: list[int], pool: Executor | None
) -> Callable[[], list[int]]:
    """Return a function that runs ``job`` on every argument, in ``pool`` if any."""
    if pool is None:
        return lambda: [job(argument) for argument in arguments]
    return lambda: list(pool.map(job, arguments))


def _fastest(
    job: Job,
    arguments: list[int],
    idle_argument: int,
    pools: dict[str, Executor | None],
    repeat: int,
) -> list[Timing]:
    """Time each way of running the jobs ``repeat`` times, in turn; keep the best."""
    for pool in pools.values():
        if pool is not None:
            list(pool.map(job, [idle_argument] * len(arguments)))
    best: dict[str, Timing] = {}
    for _ in range(repeat):
        for mode, pool in pools.items():
            run = _runner(job, arguments, pool)
            start = time.perf_counter()
            results = tuple(run())
            seconds = time.perf_counter() - start
            workers = 1 if pool is None else len(arguments)
            timing = Timing(mode, workers, len(arguments), seconds, results)
            if mode not in best or timing.seconds < best[mode].seconds:
                best[mode] = timing
    return list(best.values())


def measure(limit: int = 200_000, workers: int = 2, repeat: int = 3) -> list[Timing]:
    """Time ``workers`` calls of ``count_primes(limit)`` each of three ways.

    Pools are started and warmed up before the clock starts, so the timings
    compare running the work, not starting threads or processes. Processes
    are started with the ``spawn`` method, which is safe in a program that
    already runs threads and is the same on every platform. Each way is
    timed ``repeat`` times, in turn with the others, and the fastest run is
    kept: other programs on the machine can only make a run slower.

    >>> [(t.mode, t.results) for t in measure(limit=100, workers=2, repeat=1)]
    [('sequential', (25, 25)), ('threads', (25, 25)), ('processes', (25, 25))]
    """
    context = multiprocessing.get_context("spawn")
    with (
        ThreadPoolExecutor(max_workers=workers) as threads,
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as processes,
    ):
        pools: dict[str, Executor | None] = {
            "sequential": None,
            "threads": threads,
            "processes": processes,
        }
        return _fastest(count_primes, [limit] * workers, 2, pools, repeat)


def measure_waiting(
    milliseconds: int = 50, workers: int = 4, repeat: int = 3
) -> list[Timing]:
    """Time ``workers`` calls of ``pause(milliseconds)``, one by one and in threads.

    This is the case threads are good at under the GIL: each job spends its
    time blocked, with the lock released.

    >>> [(t.mode, t.results) for t in measure_waiting(1, workers=2, repeat=1)]
    [('sequential', (1, 1)), ('threads', (1, 1))]
    """
    with ThreadPoolExecutor(max_workers=workers) as threads:
        pools: dict[str, Executor | None] = {"sequential": None, "threads": threads}
        return _fastest(pause, [milliseconds] * workers, 0, pools, repeat)


def speedups(timings: list[Timing]) -> dict[str, float]:
    """Divide the sequential time by each mode's time (above 1 means faster).

    >>> runs = [Timing("sequential", 1, 2, 2.0, ()), Timing("threads", 2, 2, 2.5, ()),
    ...         Timing("processes", 2, 2, 1.0, ())]
    >>> speedups(runs)
    {'sequential': 1.0, 'threads': 0.8, 'processes': 2.0}
    """
    baseline = next(t.seconds for t in timings if t.mode == "sequential")
    return {t.mode: baseline / t.seconds for t in timings}
