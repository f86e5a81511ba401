import csv
import gc
import importlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinternals.origin import patterns
from pyinternals.origin.patterns import (
    CsvFormatter,
    Registry,
    Signal,
    SingletonMeta,
    TextFormatter,
    formatters,
)


def test_the_module_level_registry_is_shared_by_every_import() -> None:
    again = importlib.import_module("pyinternals.origin.patterns")
    assert again is patterns
    assert again.formatters is formatters


def test_singleton_metaclass_gives_one_instance_per_class() -> None:
    class Settings(metaclass=SingletonMeta):
        def __init__(self) -> None:
            self.debug = False

    class TestSettings(Settings):
        pass

    first = Settings()
    first.debug = True
    assert Settings() is first
    assert Settings().debug
    assert TestSettings() is not first
    assert TestSettings() is TestSettings()


def test_registry_builds_registered_classes_by_name() -> None:
    assert formatters.names() == ["csv", "text"]
    assert isinstance(formatters.create("csv"), CsvFormatter)
    text = formatters.create("text", gap=4)
    assert isinstance(text, TextFormatter)
    assert text.gap == 4


def test_registry_refuses_duplicates_and_unknown_names() -> None:
    registry: Registry[object] = Registry()

    @registry.register("thing")
    class Thing:
        pass

    with pytest.raises(ValueError, match="already registered"):
        registry.register("thing")(Thing)
    with pytest.raises(LookupError, match="known: thing"):
        registry.create("other")


CELLS = st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=False))


@given(st.lists(st.lists(CELLS, min_size=2, max_size=4), min_size=1, max_size=5))
def test_csv_output_reads_back_with_the_csv_module(rows: list[list[object]]) -> None:
    written = CsvFormatter().format(rows)
    read = list(csv.reader(io.StringIO(written + "\n")))
    assert read == [[str(cell) for cell in row] for row in rows]


def test_text_formatter_pads_columns_to_the_widest_cell() -> None:
    lines = TextFormatter().format([("a", "b"), ("long", "x")]).splitlines()
    assert lines == ["a     b", "long  x"]


class Listener:
    def __init__(self) -> None:
        self.received: list[int] = []

    def on_event(self, payload: int) -> None:
        self.received.append(payload)


def test_signal_notifies_subscribers_in_order() -> None:
    signal: Signal[int] = Signal()
    calls: list[str] = []

    def first(payload: int) -> None:
        calls.append(f"first {payload}")

    def second(payload: int) -> None:
        calls.append(f"second {payload}")

    signal.subscribe(first)
    signal.subscribe(second)
    assert signal.publish(1) == 2
    assert calls == ["first 1", "second 1"]


def test_a_collected_subscriber_is_no_longer_notified() -> None:
    signal: Signal[int] = Signal()
    kept, dropped = Listener(), Listener()
    signal.subscribe(kept.on_event)
    signal.subscribe(dropped.on_event)
    assert signal.publish(1) == 2
    del dropped
    gc.collect()
    assert len(signal) == 1
    assert signal.publish(2) == 1
    assert kept.received == [1, 2]
    assert len(signal._subscribers) == 1


def test_a_subscriber_in_a_reference_cycle_goes_once_collected() -> None:
    signal: Signal[int] = Signal()
    listener = Listener()
    listener.self_reference = listener  # type: ignore[attr-defined]
    signal.subscribe(listener.on_event)
    del listener
    assert len(signal) == 1
    gc.collect()
    assert len(signal) == 0
    assert signal.publish(3) == 0


def test_an_unreferenced_lambda_is_dropped_at_once() -> None:
    signal: Signal[int] = Signal()
    signal.subscribe(lambda payload: None)
    gc.collect()
    assert len(signal) == 0


def test_unsubscribe_stops_notifications() -> None:
    signal: Signal[int] = Signal()
    listener = Listener()
    signal.subscribe(listener.on_event)
    signal.unsubscribe(listener.on_event)
    signal.unsubscribe(print)
    assert signal.publish(5) == 0
    assert listener.received == []
