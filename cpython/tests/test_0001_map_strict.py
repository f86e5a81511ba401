"""Patch 0001: ``map(..., strict=True)`` checks that the iterables agree in length.

Run by ``cpython/build.py`` with the built interpreter; on vanilla CPython
3.13.5 every test here fails, because ``map()`` takes no keyword arguments.
"""

import pickle
import unittest


class MapStrictTests(unittest.TestCase):
    def test_equal_lengths_map_as_before(self):
        self.assertEqual(list(map(pow, (2, 3), (5, 2), strict=True)), [32, 9])

    def test_shorter_argument_raises(self):
        with self.assertRaisesRegex(
            ValueError, r"map\(\) argument 2 is shorter than argument 1"
        ):
            list(map(max, "abc", "ab", strict=True))

    def test_longer_argument_raises(self):
        with self.assertRaisesRegex(
            ValueError, r"map\(\) argument 3 is longer than arguments 1-2"
        ):
            list(map(max, "a", "a", "ab", strict=True))

    def test_items_before_the_mismatch_are_produced(self):
        produced = []
        with self.assertRaises(ValueError):
            for item in map(max, "abc", "ab", strict=True):
                produced.append(item)
        self.assertEqual(produced, ["a", "b"])

    def test_strict_false_keeps_the_shortest_rule(self):
        self.assertEqual(list(map(pow, (2, 3, 4), (1, 1), strict=False)), [2, 3])

    def test_strictness_survives_pickling(self):
        copy = pickle.loads(pickle.dumps(map(max, "abc", "ab", strict=True)))
        self.assertRaises(ValueError, list, copy)

    def test_signature_is_documented(self):
        self.assertIn("strict=False", map.__text_signature__)
        self.assertIn("If strict is true", map.__doc__)


if __name__ == "__main__":
    unittest.main()
