"""Type stub for the C extension ``pyinternals.runtime._objheader``."""

from typing import TypedDict

__all__ = ["HeaderFields", "layout", "read_header", "refcount", "type_of"]

class HeaderFields(TypedDict):
    """The dict :func:`read_header` returns."""

    address: int
    refcount: int
    type_address: int
    size: int | None

def read_header(obj: object, /) -> HeaderFields:
    """Return *obj*'s header fields as a dict."""

def refcount(obj: object, /) -> int:
    """Return *obj*'s ``ob_refcnt`` while this call runs."""

def type_of(obj: object, /) -> type:
    """Return the type that *obj*'s ``ob_type`` points to."""

def layout() -> dict[str, int]:
    """Return the header's sizes and field offsets."""
