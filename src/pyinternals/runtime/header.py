"""Read the ``PyObject`` header of a live object, with ctypes and with C.

Chapter 2 of the book. Every CPython object starts with the fields that
``Include/object.h`` declares as ``PyObject``: a reference count
(``ob_refcnt``) and a pointer to the object's type (``ob_type``).
Variable-size objects extend it to ``PyVarObject`` with ``ob_size``. Because
``id()`` is the object's address in CPython, :mod:`ctypes` can lay a
structure over that address and read the fields; the C extension
``pyinternals.runtime._objheader`` reads the same fields the way C code
does. Both readers return an :class:`ObjectHeader`.

The layout assumed is the default build's: not free-threaded
(``Py_GIL_DISABLED``), and, before 3.13, not a ``Py_TRACE_REFS`` build,
whose headers carried two extra pointers.
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass

from pyinternals.runtime import _objheader

__all__ = [
    "ObjectHeader",
    "PyObjectStruct",
    "PyVarObjectStruct",
    "has_size",
    "is_immortal",
    "read_header",
    "read_header_native",
]


class PyObjectStruct(ctypes.Structure):
    """The fixed header of every object: ``PyObject`` in ``Include/object.h``."""

    _fields_ = (
        ("ob_refcnt", ctypes.c_ssize_t),
        ("ob_type", ctypes.c_void_p),
    )


class PyVarObjectStruct(ctypes.Structure):
    """The header of variable-size objects: ``PyVarObject``."""

    _fields_ = (
        ("ob_base", PyObjectStruct),
        ("ob_size", ctypes.c_ssize_t),
    )


@dataclass(frozen=True)
class ObjectHeader:
    """The header fields of one object, copied out at one moment.

    ``refcount`` is ``ob_refcnt`` as the reading call saw it. Like the value
    ``sys.getrefcount`` returns, it includes exactly one reference that
    belongs to the call itself: the argument being passed in. ``immortal``
    says whether that count is the fixed count of an immortal object.
    """

    address: int
    refcount: int
    cls: type
    size: int | None
    immortal: bool


def has_size(cls: type) -> bool:
    """Tell whether instances of *cls* carry an ``ob_size`` field.

    A type is variable-size when its ``tp_itemsize`` (``__itemsize__``) is
    not zero: its items are stored inside the object. ``list`` and
    ``bytearray`` keep their items in a separate block, so their item size
    is zero, yet they start with ``PyVarObject`` and ``ob_size`` is their
    length. ``int`` and its subclasses are the other exception: from 3.12
    on, the digit count moved from ``ob_size`` into ``lv_tag``.

    >>> has_size(tuple), has_size(list), has_size(float)
    (True, True, False)
    >>> has_size(int) == (sys.version_info < (3, 12))
    True
    """
    if issubclass(cls, int):
        return sys.version_info < (3, 12)
    return cls.__itemsize__ != 0 or issubclass(cls, list | bytearray)


def _refcount_is_immortal(refcount: int) -> bool:
    """Apply the rule of ``_Py_IsImmortal`` (CPython 3.12 and 3.13)."""
    if sys.version_info < (3, 12):
        return False
    if ctypes.sizeof(ctypes.c_void_p) > 4:
        # The low 32 bits, read as a signed 32-bit number, are negative.
        return ctypes.c_int32(refcount & 0xFFFFFFFF).value < 0
    return refcount == (2**32 - 1) >> 2


def is_immortal(obj: object) -> bool:
    """Tell whether *obj* is immortal: its reference count never changes.

    Immortal objects exist from CPython 3.12 (PEP 683); on 3.11 the answer
    is always ``False``.

    >>> is_immortal(None) == (sys.version_info >= (3, 12))
    True
    >>> is_immortal([])
    False
    """
    check = getattr(sys, "_is_immortal", None)
    if check is not None:
        return bool(check(obj))
    return _refcount_is_immortal(PyObjectStruct.from_address(id(obj)).ob_refcnt)


def read_header(obj: object) -> ObjectHeader:
    """Read *obj*'s header with ctypes, from the address ``id(obj)``.

    The reference count counts the parameter ``obj`` of this function,
    just as ``sys.getrefcount(obj)`` counts its own argument, so the two
    agree when called from the same place:

    >>> data = [1, 2, 3]
    >>> read_header(data).refcount == sys.getrefcount(data)
    True
    >>> read_header(data).cls is list, read_header(data).size
    (True, 3)
    """
    address = id(obj)
    head = PyObjectStruct.from_address(address)
    refcount = head.ob_refcnt
    type_object = ctypes.cast(head.ob_type, ctypes.py_object).value
    size = None
    if has_size(type_object):
        size = PyVarObjectStruct.from_address(address).ob_size
    return ObjectHeader(address, refcount, type_object, size, is_immortal(obj))


def read_header_native(obj: object) -> ObjectHeader:
    """Read *obj*'s header with the C extension ``_objheader``.

    Inside this function two references belong to the reading: the
    parameter ``obj`` and the argument of the C call. The second one is
    the counterpart of ``sys.getrefcount``'s own argument, so the first is
    taken off (unless the object is immortal, whose count never moves):

    >>> data = {"a": 1}
    >>> read_header_native(data) == read_header(data)
    True
    """
    fields = _objheader.read_header(obj)
    immortal = is_immortal(obj)
    return ObjectHeader(
        address=fields["address"],
        refcount=fields["refcount"] if immortal else fields["refcount"] - 1,
        cls=_objheader.type_of(obj),
        size=fields["size"],
        immortal=immortal,
    )
