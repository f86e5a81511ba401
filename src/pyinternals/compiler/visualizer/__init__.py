"""The visualizer: bytecode beside its source (placeholder)."""
