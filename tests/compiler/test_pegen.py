import io
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest

import pyinternals.compiler.grammar as grammar_package
from pyinternals.compiler.pegen import GrammarError, generate, generate_file
from pyinternals.compiler.pegen.__main__ import main
from pyinternals.compiler.pegen.generator import left_recursive_leaders
from pyinternals.compiler.pegen.reader import read_grammar

HEADER = """
@header '''
from typing import Any
from pyinternals.compiler.pegen.runtime import Memo, Parser
'''
@class TestParser
"""


def build(grammar_text: str) -> type:
    namespace: dict[str, Any] = {}
    exec(generate(read_grammar(HEADER + grammar_text)), namespace)
    return namespace["TestParser"]  # type: ignore[no-any-return]


def tokens_of(text: str) -> tuple[list[tokenize.TokenInfo], list[str]]:
    tokens, kinds = [], []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.NL, tokenize.COMMENT):
            continue
        if token.type == tokenize.OP or token.string in ("if", "else"):
            kind = token.string
        else:
            kind = tokenize.tok_name[token.type]
        tokens.append(token)
        kinds.append(kind)
    return tokens, kinds


def run(parser_class: type, text: str, rule: str = "start") -> Any:
    parser = parser_class(*tokens_of(text))
    return getattr(parser, rule)()


CALC = """
start: e=expr NEWLINE? ENDMARKER { e }
expr: a=expr '+' b=term { (a, '+', b) } | a=expr '-' b=term { (a, '-', b) } | term
term: a=term '*' b=atom { (a, '*', b) } | atom
atom: n=NUMBER { int(n.string) } | '(' e=expr ')' { e }
"""


def test_left_recursion_grows_a_left_associative_tree() -> None:
    calc = build(CALC)
    assert run(calc, "1 - 2 - 3") == ((1, "-", 2), "-", 3)
    assert run(calc, "1 + 2 * 3 * 4") == (1, "+", ((2, "*", 3), "*", 4))
    assert run(calc, "(1 + 2) * 3") == ((1, "+", 2), "*", 3)
    assert run(calc, "1 + ") is None


def test_left_recursion_analysis_finds_leaders() -> None:
    direct = read_grammar(CALC)
    assert left_recursive_leaders(direct) == {"expr", "term"}
    indirect = read_grammar("start: a\na: b 'x' | NAME\nb: a 'y' | NUMBER\n")
    leaders = left_recursive_leaders(indirect)
    assert len(leaders) == 1
    rules = indirect.rules_by_name
    assert rules["a"].left_recursive
    assert rules["b"].left_recursive
    assert not rules["start"].left_recursive


def test_indirect_left_recursion_parses() -> None:
    parser = build(
        "start: r=a NEWLINE? ENDMARKER { r }\n"
        "a: l=b '+' { (l, '+') } | n=NAME { n.string }\n"
        "b: l=a '*' { (l, '*') } | NUMBER { 0 }\n"
    )
    assert run(parser, "q * + * +") == (((("q", "*"), "+"), "*"), "+")


def test_lookaheads_do_not_consume() -> None:
    parser = build(
        "start: a=NAME &'(' '(' ')' { ('call', a.string) }"
        " | a=NAME !'(' { ('name', a.string) }\n"
    )
    assert run(parser, "f()") == ("call", "f")
    assert run(parser, "f") == ("name", "f")
    assert run(parser, "1") is None


def test_cut_commits_to_the_alternative() -> None:
    with_cut = build("start: '<' ~ NAME '>' { 'group' } | '<' NUMBER { 'number' }\n")
    without_cut = build("start: '<' NAME '>' { 'group' } | '<' NUMBER { 'number' }\n")
    assert run(without_cut, "< 1") == "number"
    assert run(with_cut, "< 1") is None
    assert run(with_cut, "< a >") == "group"


def test_gather_and_repeats() -> None:
    parser = build(
        "start: a=','.NAME+ b=NUMBER* c=[';'] { ([t.string for t in a], len(b), c) }\n"
    )
    assert run(parser, "x, y, z 1 2") == (["x", "y", "z"], 2, None)
    assert run(parser, "x;")[2].string == ";"
    plus = build("start: NUMBER+\n")
    assert run(plus, "x") is None


def test_memoized_rule_runs_once_per_position() -> None:
    parser_class = build(
        "start: item '+' | item '-'\nitem (memo): n=NUMBER { self.count() }\n"
    )
    calls = []

    class Counting(parser_class):  # type: ignore[misc, valid-type]
        def count(self) -> int:
            calls.append(self._pos)
            return len(calls)

    parser = Counting(*tokens_of("1 -"))
    assert parser.start() == 1
    assert calls == [1]


def test_forced_token_raises_expected() -> None:
    parser = build("start: 'if' NAME &&':' NAME\n")
    with pytest.raises(SyntaxError, match="expected ':'"):
        run(parser, "if x y")


def test_version_guards_select_alternatives() -> None:
    parser = build("start: @(<3.0) NAME { 'old' } | @(>=3.0) NAME { 'new' }\n")
    assert run(parser, "x") == "new"
    assert "sys.version_info < (3, 0)" in generate(
        read_grammar(HEADER + "start: @(<3.0) NAME\n")
    )


def test_invalid_alternatives_run_only_in_the_second_pass() -> None:
    parser_class = build(
        "start: NAME | invalid_thing\ninvalid_thing: NUMBER { 'bad' }\n"
    )
    parser = parser_class(*tokens_of("1"))
    assert parser.start() is None
    parser._pos = 0
    parser._call_invalid_rules = True
    assert parser.start() == "bad"


@pytest.mark.parametrize(
    "text",
    ["start: (", "start: 'a' {", "1start: x", "start: x\n@(=3.1) y", "start: |"],
)
def test_malformed_grammars_are_refused(text: str) -> None:
    with pytest.raises(GrammarError):
        read_grammar(text)


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(GrammarError, match="unknown rule"):
        generate(read_grammar("start: missing\n"))


def test_checked_in_parser_matches_the_generator(tmp_path: Path) -> None:
    folder = Path(grammar_package.__file__).parent
    expected = (folder / "generated.py").read_text(encoding="utf-8")
    assert generate_file(str(folder / "python.gram"), "python.gram") == expected
    out = tmp_path / "out.py"
    assert main([str(folder / "python.gram"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == expected


def test_generated_parser_compiles_on_this_version() -> None:
    folder = Path(grammar_package.__file__).parent
    source = (folder / "generated.py").read_text(encoding="utf-8")
    compile(source, "generated.py", "exec")
    assert ("sys.version_info >= (3, 12)" in source) is True
    assert sys.version_info >= (3, 11)
