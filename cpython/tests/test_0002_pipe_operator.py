"""Patch 0002: the pipe operator ``value |> func``, which calls ``func(value)``.

The new syntax is compiled from strings, so that this module imports on
vanilla CPython 3.13.5, where every test fails with a SyntaxError (or, for
the AST and token checks, an AttributeError).
"""

import ast
import dis
import token
import tokenize
import unittest
from io import StringIO


def run(source, namespace=None):
    """Execute *source* and return its namespace."""
    namespace = {} if namespace is None else namespace
    exec(compile(source, "<pipe>", "exec"), namespace)
    return namespace


class PipeTests(unittest.TestCase):
    def test_calls_the_function_with_the_value(self):
        self.assertEqual(run("r = [3, 1, 2] |> sorted")["r"], [1, 2, 3])

    def test_chains_from_the_left(self):
        self.assertEqual(run("r = -4 |> abs |> str")["r"], "4")

    def test_binds_looser_than_arithmetic(self):
        self.assertEqual(run("r = 2 + 3 |> str")["r"], "5")

    def test_binds_tighter_than_comparison(self):
        self.assertIs(run("r = 'abc' |> len == 3")["r"], True)

    def test_value_is_evaluated_before_the_function(self):
        seen = []
        namespace = {"seen": seen}
        source = "r = (seen.append('value') or 1) |> (seen.append('func') or str)"
        run(source, namespace)
        self.assertEqual(seen, ["value", "func"])
        self.assertEqual(namespace["r"], "1")

    def test_ast_has_a_pipe_node(self):
        tree = ast.parse("x |> f |> g", mode="eval")
        self.assertEqual(
            ast.dump(tree.body),
            "Pipe(value=Pipe(value=Name(id='x', ctx=Load()), "
            "func=Name(id='f', ctx=Load())), func=Name(id='g', ctx=Load()))",
        )

    def test_ast_unparse_round_trips(self):
        for source in ("x |> f |> g", "x |> (f |> g)", "(x | y) |> f"):
            with self.subTest(source=source):
                tree = ast.parse(source)
                self.assertEqual(ast.dump(ast.parse(ast.unparse(tree))), ast.dump(tree))

    def test_compiled_ast_runs(self):
        tree = ast.Expression(
            ast.Pipe(ast.Constant(-2), ast.Name("abs", ast.Load())),
        )
        ast.fix_missing_locations(tree)
        self.assertEqual(eval(compile(tree, "<ast>", "eval")), 2)

    def test_dis_shows_a_call(self):
        code = compile("x |> f", "<pipe>", "eval")
        names = [instruction.opname for instruction in dis.get_instructions(code)]
        self.assertEqual(
            names,
            [
                "RESUME",
                "LOAD_NAME",
                "LOAD_NAME",
                "SWAP",
                "PUSH_NULL",
                "SWAP",
                "CALL",
                "RETURN_VALUE",
            ],
        )

    def test_token(self):
        self.assertEqual(token.EXACT_TOKEN_TYPES["|>"], token.VBARGREATER)
        tokens = list(tokenize.generate_tokens(StringIO("x |> f\n").readline))
        self.assertEqual(tokens[1].exact_type, token.VBARGREATER)

    def test_cannot_assign_to_a_pipe(self):
        with self.assertRaisesRegex(SyntaxError, "cannot assign to pipe expression"):
            compile("x |> f = 1", "<pipe>", "exec")

    def test_annotations_keep_the_pipe(self):
        source = "from __future__ import annotations\ndef f(a: x |> g): pass\n"
        self.assertEqual(run(source)["f"].__annotations__["a"], "x |> g")


if __name__ == "__main__":
    unittest.main()
