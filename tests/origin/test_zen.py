import codecs
import contextlib
import io
import subprocess
import sys
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinternals.origin.zen import ROT13, Aphorism, decoded_this, parse_zen, rot13


@pytest.fixture(scope="module")
def this() -> types.ModuleType:
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return this


def test_table_agrees_with_the_one_this_builds(this: types.ModuleType) -> None:
    theirs = {ord(plain): ord(rotated) for plain, rotated in this.d.items()}
    assert theirs == ROT13


def test_decoder_agrees_with_the_rot13_codec(this: types.ModuleType) -> None:
    assert rot13(this.s) == codecs.decode(this.s, "rot13")


def test_decoder_agrees_with_what_import_this_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-c", "import this"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert decoded_this() + "\n" == printed


def test_the_zen_has_nineteen_written_aphorisms() -> None:
    zen = parse_zen(decoded_this())
    assert zen.author == "Tim Peters"
    assert len(zen.aphorisms) == 19
    assert zen.aphorisms[0] == Aphorism(1, "Beautiful is better than ugly.")
    assert zen.aphorisms[-1].text.startswith("Namespaces are one honking great idea")


@given(st.text())
def test_rot13_matches_the_codec_on_any_text(text: str) -> None:
    assert rot13(text) == codecs.encode(text, "rot13")


@given(st.text())
def test_rot13_is_its_own_inverse(text: str) -> None:
    assert rot13(rot13(text)) == text


@pytest.mark.parametrize("text", ["", "\n\n", "A title without its author\nline"])
def test_parse_rejects_text_without_a_title_line(text: str) -> None:
    with pytest.raises(ValueError, match=r"title|no text"):
        parse_zen(text)
