from hypothesis import given
from hypothesis import strategies as st

from pyinternals.origin.gil import (
    MODES,
    Timing,
    count_primes,
    measure,
    measure_waiting,
    pause,
    speedups,
)


def _sieve(limit: int) -> int:
    if limit < 3:
        return 0
    is_prime = [True] * limit
    is_prime[0] = is_prime[1] = False
    for n in range(2, int(limit**0.5) + 1):
        if is_prime[n]:
            is_prime[n * n :: n] = [False] * len(range(n * n, limit, n))
    return sum(is_prime)


@given(st.integers(0, 3000))
def test_count_primes_agrees_with_a_sieve(limit: int) -> None:
    assert count_primes(limit) == _sieve(limit)


def test_measure_runs_the_same_work_every_way() -> None:
    timings = measure(limit=5000, workers=3)
    assert [t.mode for t in timings] == list(MODES)
    assert [t.workers for t in timings] == [1, 3, 3]
    expected = _sieve(5000)
    for timing in timings:
        assert timing.jobs == 3
        assert timing.results == (expected, expected, expected)
        assert timing.seconds > 0


def test_speedups_are_relative_to_the_sequential_run() -> None:
    timings = [
        Timing("sequential", 1, 4, 3.0, ()),
        Timing("threads", 4, 4, 3.0, ()),
        Timing("processes", 4, 4, 1.5, ()),
    ]
    assert speedups(timings) == {"sequential": 1.0, "threads": 1.0, "processes": 2.0}


def test_measure_waiting_runs_every_pause() -> None:
    timings = measure_waiting(milliseconds=20, workers=3, repeat=1)
    assert [t.mode for t in timings] == ["sequential", "threads"]
    assert [t.workers for t in timings] == [1, 3]
    for timing in timings:
        assert timing.jobs == 3
        assert timing.results == (20, 20, 20)


def test_pause_returns_its_argument() -> None:
    assert pause(0) == 0
