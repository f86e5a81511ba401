"""Patch 0003: ``sys._pymalloc_stats()`` reports pymalloc's arenas, pools and blocks.

On vanilla CPython 3.13.5 the function does not exist and every test fails.
"""

import sys
import unittest

COUNT = 20_000


def growth(before, after, field):
    """The largest increase of *field* over the size classes, and its class.

    An object() is one 16-byte block, or a bigger one in a debug build,
    whose memory hooks add guard bytes around every block: so the tests
    look for the class that grew rather than assume which one.
    """
    return max(
        (new[field] - old[field], new["block_size"])
        for old, new in zip(before["size_classes"], after["size_classes"], strict=True)
    )


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
        before = sys._pymalloc_stats()
        objects = [object() for _ in range(COUNT)]
        after = sys._pymalloc_stats()
        in_use, block_size = growth(before, after, "blocks_in_use")
        self.assertGreaterEqual(in_use, COUNT)
        allocated, same_size = growth(before, after, "blocks_allocated_total")
        self.assertGreaterEqual(allocated, COUNT)
        self.assertEqual(same_size, block_size)
        pools, _ = growth(before, after, "pools")
        self.assertGreater(pools, 0)
        del objects

    def test_freed_objects_are_counted(self):
        objects = [object() for _ in range(COUNT)]
        before = sys._pymalloc_stats()
        del objects
        after = sys._pymalloc_stats()
        freed, _ = growth(before, after, "blocks_freed_total")
        self.assertGreaterEqual(freed, COUNT)
        released, _ = growth(after, before, "blocks_in_use")
        self.assertGreaterEqual(released, COUNT)

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
