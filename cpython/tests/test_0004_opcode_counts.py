"""Patch 0004: ``sys._opcode_counts()`` counts the instructions the interpreter ran.

On vanilla CPython 3.13.5 the function does not exist and every test fails.
"""

import sys
import unittest


def add_up(n):
    total = 0
    for i in range(n):
        total += i
    return total


class OpcodeCountTests(unittest.TestCase):
    def test_counts_are_named_and_positive(self):
        counts = sys._opcode_counts()
        self.assertIsInstance(counts, dict)
        self.assertTrue(counts)
        self.assertTrue(all(isinstance(name, str) for name in counts))
        self.assertTrue(all(count > 0 for count in counts.values()))

    def test_a_loop_runs_its_instructions_once_per_iteration(self):
        sys._opcode_counts(reset=True)
        add_up(1000)
        counts = sys._opcode_counts()
        # FOR_ITER specializes to FOR_ITER_RANGE after a few iterations.
        for_iter = sum(v for k, v in counts.items() if k.startswith("FOR_ITER"))
        self.assertGreaterEqual(for_iter, 1000)
        binary_op = sum(v for k, v in counts.items() if k.startswith("BINARY_OP"))
        self.assertGreaterEqual(binary_op, 1000)

    def test_specialized_instructions_are_counted_apart(self):
        sys._opcode_counts(reset=True)
        add_up(1000)
        counts = sys._opcode_counts()
        self.assertIn("FOR_ITER_RANGE", counts)
        self.assertIn("BINARY_OP_ADD_INT", counts)

    def test_reset_starts_again(self):
        sys._opcode_counts(reset=True)
        counts = sys._opcode_counts()
        # Only the few instructions between the two calls were counted.
        self.assertLess(sum(counts.values()), 50)


if __name__ == "__main__":
    unittest.main()
