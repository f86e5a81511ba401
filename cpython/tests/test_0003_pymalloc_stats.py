"""Patch 0003: ``sys._pymalloc_stats()`` reports pymalloc's arenas, pools and blocks.

On vanilla CPython 3.13.5 the function does not exist and every test fails.
"""

import sys
import unittest

OBJECT_SIZE = object.__basicsize__  # an object() is one 16-byte block
COUNT = 20_000


def size_class(stats, block_size):
    """The row of *stats* for the size class holding *block_size* bytes."""
    return next(row for row in stats["size_classes"] if row["block_size"] >= block_size)


class PymallocStatsTests(unittest.TestCase):
    def test_shape(self):
        stats = sys._pymalloc_stats()
        self.assertEqual(stats["arena_size"], 1 << 20)
        self.assertEqual(stats["pool_size"], 1 << 14)
        self.assertGreaterEqual(stats["arenas_highwater"], stats["arenas_current"])
        self.assertEqual(
            stats["arenas_reclaimed_total"],
            stats["arenas_allocated_total"] - stats["arenas_current"],
        )
        sizes = [row["block_size"] for row in stats["size_classes"]]
        self.assertEqual(sizes, sorted(sizes))
        self.assertEqual(sizes[-1], 512)

    def test_live_objects_show_as_blocks_in_use(self):
        before = size_class(sys._pymalloc_stats(), OBJECT_SIZE)
        objects = [object() for _ in range(COUNT)]
        after = size_class(sys._pymalloc_stats(), OBJECT_SIZE)
        self.assertGreaterEqual(after["blocks_in_use"] - before["blocks_in_use"], COUNT)
        self.assertGreaterEqual(
            after["blocks_allocated_total"] - before["blocks_allocated_total"], COUNT
        )
        self.assertGreater(after["pools"], before["pools"])
        del objects

    def test_freed_objects_are_counted(self):
        objects = [object() for _ in range(COUNT)]
        before = size_class(sys._pymalloc_stats(), OBJECT_SIZE)
        del objects
        after = size_class(sys._pymalloc_stats(), OBJECT_SIZE)
        self.assertGreaterEqual(
            after["blocks_freed_total"] - before["blocks_freed_total"], COUNT
        )
        self.assertLessEqual(after["blocks_in_use"], before["blocks_in_use"] - COUNT)

    def test_blocks_add_up_per_pool(self):
        stats = sys._pymalloc_stats()
        for row in stats["size_classes"]:
            per_pool = (stats["pool_size"] - 48) // row["block_size"]
            with self.subTest(block_size=row["block_size"]):
                self.assertEqual(
                    row["blocks_in_use"] + row["blocks_free"], row["pools"] * per_pool
                )


if __name__ == "__main__":
    unittest.main()
