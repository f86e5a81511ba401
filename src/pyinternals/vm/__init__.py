"""Chapter 4: executing Python."""

__all__: list[str] = []
