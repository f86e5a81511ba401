"""The global interpreter lock at a glance: one CPU-bound job, three ways.

CPython lets one thread at a time run bytecode: a thread must hold the GIL
(``take_gil`` in ``Python/ceval_gil.c``) and gives it up when asked, every
``sys.getswitchinterval()`` seconds, or when it blocks (``drop_gil``). So
pure-Python work spread over threads does not run in parallel, while the
same work spread over processes does, each process having its own
interpreter and its own lock. :func:`measure` times :func:`count_primes` run
sequentially, in threads and in processes and returns :class:`Timing` records;
Chapter 1 plots them.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

__all__ = ["MODES", "Timing", "count_primes", "measure", "speedups"]

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


def _sequential(limits: list[int]) -> list[int]:
    return [count_primes(limit) for limit in limits]


def _pooled(executor: Executor, limits: list[int]) -> Callable[[], list[int]]:
    def run() -> list[int]:
        return list(executor.map(count_primes, limits))

    return run


def _timed(mode: str, workers: int, run: Callable[[], list[int]], jobs: int) -> Timing:
    start = time.perf_counter()
    results = run()
    seconds = time.perf_counter() - start
    return Timing(mode, workers, jobs, seconds, tuple(results))


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
    limits = [limit] * workers
    context = multiprocessing.get_context("spawn")
    with (
        ThreadPoolExecutor(max_workers=workers) as threads,
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as processes,
    ):
        runs = {
            "sequential": (1, lambda: _sequential(limits)),
            "threads": (workers, _pooled(threads, limits)),
            "processes": (workers, _pooled(processes, limits)),
        }
        for executor in (threads, processes):
            list(executor.map(count_primes, [2] * workers))
        best: dict[str, Timing] = {}
        for _ in range(repeat):
            for mode, (pool_size, run) in runs.items():
                timing = _timed(mode, pool_size, run, workers)
                if mode not in best or timing.seconds < best[mode].seconds:
                    best[mode] = timing
    return [best[mode] for mode in MODES]


def speedups(timings: list[Timing]) -> dict[str, float]:
    """Divide the sequential time by each mode's time (above 1 means faster).

    >>> runs = [Timing("sequential", 1, 2, 2.0, ()), Timing("threads", 2, 2, 2.5, ()),
    ...         Timing("processes", 2, 2, 1.0, ())]
    >>> speedups(runs)
    {'sequential': 1.0, 'threads': 0.8, 'processes': 2.0}
    """
    baseline = next(t.seconds for t in timings if t.mode == "sequential")
    return {t.mode: baseline / t.seconds for t in timings}
