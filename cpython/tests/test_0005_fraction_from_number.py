"""Patch 0005: ``fractions.Fraction.from_number()`` converts numbers exactly.

On vanilla CPython 3.13.5 the method does not exist and every test fails.
"""

import unittest
from decimal import Decimal
from fractions import Fraction


class Ratio:
    """A number that only knows its integer ratio."""

    def __init__(self, numerator, denominator):
        self.ratio = (numerator, denominator)

    def as_integer_ratio(self):
        return self.ratio


class FromNumberTests(unittest.TestCase):
    def test_rationals(self):
        self.assertEqual(Fraction.from_number(7), Fraction(7))
        self.assertEqual(Fraction.from_number(Fraction(-3, 4)), Fraction(-3, 4))

    def test_float_and_decimal_exactly(self):
        self.assertEqual(Fraction.from_number(0.25), Fraction(1, 4))
        self.assertEqual(Fraction.from_number(0.1), Fraction(*(0.1).as_integer_ratio()))
        self.assertEqual(Fraction.from_number(Decimal("0.1")), Fraction(1, 10))

    def test_any_object_with_an_integer_ratio(self):
        self.assertEqual(Fraction.from_number(Ratio(4, 6)), Fraction(2, 3))

    def test_strings_are_refused(self):
        # Unlike Fraction("1/2"), which parses a string.
        with self.assertRaisesRegex(TypeError, "from_number.*not str"):
            Fraction.from_number("1/2")

    def test_subclasses_build_their_own_instances(self):
        class Ratio2(Fraction):
            pass

        self.assertIs(type(Ratio2.from_number(0.5)), Ratio2)


if __name__ == "__main__":
    unittest.main()
