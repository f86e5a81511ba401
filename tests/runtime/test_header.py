import ctypes
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinternals.runtime import _objheader
from pyinternals.runtime.header import (
    PyObjectStruct,
    PyVarObjectStruct,
    has_size,
    is_immortal,
    read_header,
    read_header_native,
)

pytestmark = pytest.mark.native


def test_ctypes_layout_matches_the_compiler():
    layout = _objheader.layout()
    assert layout["PyObject"] == ctypes.sizeof(PyObjectStruct)
    assert layout["PyVarObject"] == ctypes.sizeof(PyVarObjectStruct)
    assert layout["ob_refcnt"] == PyObjectStruct.ob_refcnt.offset
    assert layout["ob_type"] == PyObjectStruct.ob_type.offset
    assert layout["ob_size"] == PyVarObjectStruct.ob_size.offset


def test_refcounts_agree_with_sys_getrefcount(samples):
    for obj in samples:
        # Read all four before asserting: pytest's rewritten asserts keep
        # temporaries (set to None afterwards), which are references too.
        expected = sys.getrefcount(obj)
        by_ctypes = read_header(obj).refcount
        by_c_directly = _objheader.refcount(obj)
        by_c = read_header_native(obj).refcount
        assert by_ctypes == by_c_directly == by_c == expected, obj


def test_types_and_addresses_agree_with_type_and_id(samples):
    for obj in samples:
        by_ctypes = read_header(obj)
        by_c = read_header_native(obj)
        assert by_ctypes.cls is type(obj)
        assert by_c.cls is type(obj)
        assert _objheader.type_of(obj) is type(obj)
        assert by_ctypes.address == by_c.address == id(obj)
        assert _objheader.read_header(obj)["type_address"] == id(type(obj))
        assert by_ctypes.size == by_c.size


def test_sizes_are_lengths_for_containers(samples):
    for obj in samples:
        if isinstance(obj, tuple | list | bytes | bytearray):
            assert read_header(obj).size == len(obj)
            assert read_header_native(obj).size == len(obj)


def test_objects_without_ob_size_report_none():
    for obj in (3.5, "text", {}, set(), object()):
        assert read_header(obj).size is None
        assert read_header_native(obj).size is None


@given(st.integers())
def test_int_size_field_follows_the_version(number):
    reading = read_header(number)
    if sys.version_info >= (3, 12):
        assert reading.size is None
    else:
        digits = -(-abs(number).bit_length() // sys.int_info.bits_per_digit)
        assert reading.size == (digits if number >= 0 else -digits)
    assert read_header_native(number).size == reading.size


@given(st.lists(st.integers()) | st.tuples(st.text(), st.none()) | st.binary())
def test_generated_containers(obj):
    expected = sys.getrefcount(obj)
    by_ctypes = read_header(obj).refcount
    by_c = read_header_native(obj).refcount
    assert by_ctypes == by_c == expected
    assert read_header(obj).size == len(obj)


def test_each_new_reference_is_counted():
    obj = object()
    before = read_header(obj).refcount
    holders = [obj] * 5
    assert read_header(obj).refcount == before + 5
    assert read_header_native(obj).refcount == before + 5
    del holders
    assert read_header(obj).refcount == before


def test_has_size():
    assert has_size(tuple)
    assert has_size(bytes)
    assert has_size(list)
    assert has_size(bytearray)
    assert has_size(type)
    assert not has_size(float)
    assert not has_size(dict)
    assert not has_size(str)
    assert has_size(bool) == (sys.version_info < (3, 12))


def test_immortality_follows_the_version():
    modern = sys.version_info >= (3, 12)
    for obj in (None, True, 0, 256, int):
        assert is_immortal(obj) == modern
        assert read_header(obj).immortal == modern
    for obj in (object(), [], 10**40):
        assert not is_immortal(obj)
        assert not read_header(obj).immortal
