"""Chapter 2: inside CPython's runtime."""

__all__: list[str] = []
