"""Scripted debugger sessions: the transcript on CPython and on the VM."""

import io
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import pytest

from pyinternals.vm.debug import Breakpoint, Debugger, main

SQUARES = """\
def square(n):
    result = n * n
    return result


def total(limit):
    acc = 0
    for i in range(limit):
        acc += square(i)
    return acc


first = total(1)
answer = total(4)
print("answer", answer)
"""

SQUARES_SESSION = """\
break square
break 9, i == 2
b
continue
where
args
up
p acc
down
return
p result
next
next
locals
display acc
continue
p i
clear 2
until 10
step
step
step
list
ll
pp {'a': [1, 2], 'b': acc}
clear
continue
"""

SQUARES_TRANSCRIPT = """\
> squares.py(1)<module>()
-> def square(n):
(dbg) break square
Breakpoint 1: square (squares.py:1)
(dbg) break 9, i == 2
Breakpoint 2: squares.py:9
(dbg) b
1: square (squares.py:1), hit 0 times
2: squares.py:9, if i == 2, hit 0 times
(dbg) continue
> squares.py(2)square()
-> result = n * n
(dbg) where
  squares.py(13)<module>()
  squares.py(9)total()
> squares.py(2)square()
(dbg) args
n = 0
(dbg) up
> squares.py(9)total()
-> acc += square(i)
(dbg) p acc
0
(dbg) down
> squares.py(2)square()
-> result = n * n
(dbg) return
--Return--
> squares.py(3)square()->0
-> return result
(dbg) p result
0
(dbg) next
> squares.py(8)total()
-> for i in range(limit):
(dbg) next
> squares.py(10)total()
-> return acc
(dbg) locals
acc = 0
i = 0
limit = 1
(dbg) display acc
display acc: 0
(dbg) continue
> squares.py(2)square()
-> result = n * n
(dbg) p i
*** NameError: name 'i' is not defined
(dbg) clear 2
Deleted breakpoint 2
(dbg) until 10
> squares.py(2)square()
-> result = n * n
(dbg) step
> squares.py(3)square()
-> return result
(dbg) step
> squares.py(8)total()
-> for i in range(limit):
display acc: 1  [old: 0]
(dbg) step
> squares.py(9)total()
-> acc += square(i)
(dbg) list
   4
   5
   6     def total(limit):
   7         acc = 0
   8         for i in range(limit):
   9  ->         acc += square(i)
  10         return acc
  11
  12
  13     first = total(1)
  14     answer = total(4)
(dbg) ll
   6     def total(limit):
   7         acc = 0
   8         for i in range(limit):
   9  ->         acc += square(i)
  10         return acc
(dbg) pp {'a': [1, 2], 'b': acc}
{'a': [1, 2], 'b': 1}
(dbg) clear
Deleted all breakpoints
(dbg) continue
answer 14
The program finished.
[exit 0]
"""

CRASH = """\
import sys


def divide(a, b):
    ratio = a / b
    return ratio


def run(pairs):
    out = []
    for a, b in pairs:
        try:
            out.append(divide(a, b))
        except TypeError:
            out.append(None)
    return out


print(run([(1, 2), (3, "x")]))
print(sys.argv[1:])
run([(4, 0)])
"""

CRASH_SESSION = """\
break divide, b == "x"
continue
where
p a, b
next
next
clear 1
continue
where
p a, b
up
locals
down
step
quit
"""

CRASH_TRANSCRIPT = """\
> crash.py(1)<module>()
-> import sys
(dbg) break divide, b == "x"
Breakpoint 1: divide (crash.py:4)
(dbg) continue
> crash.py(5)divide()
-> ratio = a / b
(dbg) where
  crash.py(19)<module>()
  crash.py(13)run()
> crash.py(5)divide()
(dbg) p a, b
(3, 'x')
(dbg) next
> crash.py(14)run()
-> except TypeError:
(dbg) next
> crash.py(15)run()
-> out.append(None)
(dbg) clear 1
Deleted breakpoint 1
(dbg) continue
[0.5, None]
[]
ZeroDivisionError: division by zero
Uncaught exception. Entering post mortem debugging
> crash.py(5)divide()
-> ratio = a / b
(dbg) where
  crash.py(21)<module>()
  crash.py(13)run()
> crash.py(5)divide()
(dbg) p a, b
(4, 0)
(dbg) up
> crash.py(13)run()
-> out.append(divide(a, b))
(dbg) locals
a = 4
b = 0
out = []
pairs = [(4, 0)]
(dbg) down
> crash.py(5)divide()
-> ratio = a / b
(dbg) step
*** The program has ended (post mortem).
(dbg) quit
[exit 1]
"""

GENERATOR = """\
def countdown(n):
    while n > 0:
        yield n
        n -= 1


def main():
    seen = []
    for value in countdown(3):
        seen.append(value)
    return seen


result = main()
print(result)
"""

GENERATOR_SESSION = """\
break gen.py:10
continue
step
step
where
step
step
step
p n
until
p seen
b 3
c
"""

GENERATOR_TRANSCRIPT = """\
> gen.py(1)<module>()
-> def countdown(n):
(dbg) break gen.py:10
Breakpoint 1: gen.py:10
(dbg) continue
> gen.py(10)main()
-> seen.append(value)
(dbg) step
> gen.py(9)main()
-> for value in countdown(3):
(dbg) step
> gen.py(4)countdown()
-> n -= 1
(dbg) where
  gen.py(14)<module>()
  gen.py(9)main()
> gen.py(4)countdown()
(dbg) step
> gen.py(2)countdown()
-> while n > 0:
(dbg) step
> gen.py(3)countdown()
-> yield n
(dbg) step
> gen.py(10)main()
-> seen.append(value)
(dbg) p n
*** NameError: name 'n' is not defined
(dbg) until
> gen.py(10)main()
-> seen.append(value)
(dbg) p seen
[3, 2]
(dbg) b 3
Breakpoint 2: gen.py:3
(dbg) c
[3, 2, 1]
The program finished.
[exit 0]
"""

ODDS_AND_ENDS = """\
x = 1
y = x + 1
raise SystemExit(y)
"""

ODDS_AND_ENDS_SESSION = """\
frobnicate
break nowhere
clear 7
up
down
until soon
display
next
display y
next
continue
"""

ODDS_AND_ENDS_TRANSCRIPT = """\
> odds.py(1)<module>()
-> x = 1
(dbg) frobnicate
*** Unknown command: frobnicate
(dbg) break nowhere
*** No function or line: nowhere
(dbg) clear 7
*** No breakpoint numbered 7
(dbg) up
*** Oldest frame
(dbg) down
*** Newest frame
(dbg) until soon
*** Not a line number: soon
(dbg) display
(dbg) next
> odds.py(2)<module>()
-> y = x + 1
(dbg) display y
display y: *** NameError: name 'y' is not defined
(dbg) next
> odds.py(3)<module>()
-> raise SystemExit(y)
display y: 2  [old: *** NameError: name 'y' is not defined]
(dbg) continue
The program exited with 2.
[exit 2]
"""

SESSIONS = {
    "squares": (SQUARES, SQUARES_SESSION, SQUARES_TRANSCRIPT),
    "crash": (CRASH, CRASH_SESSION, CRASH_TRANSCRIPT),
    "gen": (GENERATOR, GENERATOR_SESSION, GENERATOR_TRANSCRIPT),
    "odds": (ODDS_AND_ENDS, ODDS_AND_ENDS_SESSION, ODDS_AND_ENDS_TRANSCRIPT),
}


@contextmanager
def _argv(argv: list[str]) -> Iterator[None]:
    saved = sys.argv
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv = saved


def session(tmp_path: Path, name: str, source: str, commands: str, *, vm: bool) -> str:
    """Run a scripted session; the transcript has the program's output in place."""
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    code = compile(source, str(path), "exec")
    transcript = io.StringIO()
    debugger = Debugger(str(path), io.StringIO(commands), transcript)
    namespace = {"__name__": "__main__", "__file__": str(path)}
    with redirect_stdout(transcript), _argv([str(path)]):
        status = debugger.run(code, namespace, vm=vm)
    return transcript.getvalue() + f"[exit {status}]\n"


@pytest.mark.parametrize("vm", [False, True], ids=["cpython", "vm"])
@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_scripted_session(tmp_path: Path, name: str, vm: bool) -> None:
    source, commands, expected = SESSIONS[name]
    assert session(tmp_path, name, source, commands, vm=vm) == expected


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_the_vm_and_cpython_give_one_transcript(tmp_path: Path, name: str) -> None:
    source, commands, _ = SESSIONS[name]
    on_cpython = session(tmp_path, name, source, commands, vm=False)
    assert session(tmp_path, name, source, commands, vm=True) == on_cpython


@pytest.mark.parametrize("vm", [False, True], ids=["cpython", "vm"])
@pytest.mark.parametrize("commands", ["next\nquit\n", "next\n"], ids=["quit", "eof"])
def test_quit_and_end_of_input_stop_the_program(
    tmp_path: Path, commands: str, vm: bool
) -> None:
    source = "print('before')\nprint('after')\n"
    transcript = session(tmp_path, "quit", source, commands, vm=vm)
    assert "\nbefore\n" in transcript
    assert "\nafter\n" not in transcript
    assert transcript.endswith("[exit 0]\n")


def test_breakpoint_describe() -> None:
    point = Breakpoint(3, "/x/prog.py", 12, "n > 2", "walk")
    assert point.describe() == "3: walk (prog.py:12), if n > 2, hit 0 times"


def test_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "argv.py"
    script.write_text(
        textwrap.dedent("""
        import sys
        print(sys.argv[1:])
    """)
    )
    outputs = []
    for flags in ([], ["--vm"]):
        monkeypatch.setattr("sys.stdin", io.StringIO("continue\n"))
        assert main([*flags, str(script), "a", "b"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "['a', 'b']\nThe program finished.\n" in outputs[0]
