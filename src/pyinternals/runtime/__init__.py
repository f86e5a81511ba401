"""Chapter 2: inside CPython's runtime."""
