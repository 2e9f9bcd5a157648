"""The command line, run as `python -m s2sad` in a subprocess."""
import os
import pathlib
import subprocess
import sys

import pytest

from s2sad import cli
from s2sad.highlight import highlight, strip_colour, wants_colour

EXAMPLES = pathlib.Path(__file__).parent / "cli_examples"
FUNCTIONS = EXAMPLES / "functions.py"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "s2sad", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def target(name, path=FUNCTIONS):
    return f"{path}:{name}"


def assert_one_line_error(result, *fragments):
    """Exit status 2, no traceback, a first line `s2sad: error: ...`."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("s2sad: error: ")
    for fragment in fragments:
        assert fragment in first


# ------------------------------------------------------------------ show

def test_show_prints_the_generated_gradient():
    result = run("show", target("f"), "--wrt", "x,y")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def df(x, y, bresult=1.0):\n")
    assert "# Grad of: return x ** 2 * y + y + 2" in result.stdout
    assert result.stdout.rstrip().endswith("return bx, by")
    assert "\033[" not in result.stdout   # not a terminal: no colour


def test_show_output_is_the_code_s2sad_grad_makes():
    import importlib.util
    import s2sad
    spec = importlib.util.spec_from_file_location("example_functions", FUNCTIONS)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    expected = s2sad.source(s2sad.grad(module.loop, wrt=(0,)))
    assert run("show", target("loop")).stdout == expected


def test_show_wrt_by_index_and_default_first_parameter():
    by_index = run("show", target("f"), "--wrt", "1")
    assert by_index.returncode == 0
    assert by_index.stdout.rstrip().endswith("return by")
    default = run("show", target("f"))
    assert default.stdout.rstrip().endswith("return bx")


def test_show_loop_runs_backwards_and_sibling_imports_work():
    result = run("show", target("halve_until_small"))
    assert result.returncode == 0, result.stderr
    assert "def dhalve_until_small(x, bresult=1.0):" in result.stdout
    assert "while x > 1.0:" in result.stdout and "in range(n):" in result.stdout


def test_show_and_check_take_checkpoints():
    shown = run("show", target("halve_until_small"), "--checkpoints", "3")
    assert shown.returncode == 0, shown.stderr
    assert "schedule = Schedule(3)" in shown.stdout
    assert "Schedule" not in run("show", target("halve_until_small")).stdout
    checked = run("check", target("halve_until_small"), "--args", "40.0", "--checkpoints", "2")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    refused = run("show", target("loop"), "--checkpoints", "0")
    assert refused.returncode == 2 and "checkpoints must be a positive int" in refused.stderr


def test_show_no_optimize_prints_the_unoptimized_code():
    optimized = run("show", target("f")).stdout
    plain = run("show", target("f"), "--no-optimize").stdout
    assert plain.startswith("def df(x, y, bresult=1.0):")
    assert plain != optimized
    assert "result = t3 + 2" in plain and "result = t3 + 2" not in optimized


def test_show_relative_path_from_the_files_folder():
    result = run("show", "functions.py:f", cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def df(")


def test_show_colour_always_and_never():
    coloured = run("show", target("f"), "--color", "always").stdout
    assert "\033[" in coloured
    assert strip_colour(coloured) == run("show", target("f"), "--color", "never").stdout


def test_forward_mode_error_until_it_exists():
    result = run("show", target("f"), "--mode", "forward")
    if result.returncode == 0:   # forward mode has landed
        assert result.stdout.startswith("def ")
    else:
        assert_one_line_error(result, "forward")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color, coloured", [(None, True), ("1", False)])
def test_show_colours_a_terminal_unless_no_color(no_color, coloured):
    import pty
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = no_color
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "s2sad", "show", target("f")],
                                stdout=follower, stderr=subprocess.PIPE, env=env,
                                timeout=120)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:   # Linux: the other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        output = b"".join(chunks).decode()
    finally:
        os.close(leader)
    assert result.returncode == 0, result.stderr
    assert ("\033[" in output) == coloured
    assert strip_colour(output).replace("\r\n", "\n").startswith("def df(x, y, bresult=1.0):")


# ------------------------------------------------------------------ check

def test_check_reports_ok_for_each_argument():
    result = run("check", target("f"), "--wrt", "x,y", "--args", "3.0", "4.0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "gradient of f(x=3.0, y=4.0)"
    assert "  x: OK" in result.stdout and "  y: OK" in result.stdout
    assert "    s2sad               24.0" in lines
    assert "    s2sad               10.0" in lines
    assert "finite differences  24.0000" in result.stdout
    assert lines[-1] == "OK"


def test_check_arrays_from_list_literals_and_integer_arguments():
    arrays = run("check", target("energy"), "--wrt", "w,x",
                 "--args", "[0.5, -1.0]", "[1.0, 2.0]")
    assert arrays.returncode == 0, arrays.stdout + arrays.stderr
    assert "w=[ 0.5, -1. ]" in arrays.stdout
    looped = run("check", target("loop"), "--args", "0.5", "3")
    assert looped.returncode == 0, looped.stdout + looped.stderr
    assert "gradient of loop(x=0.5, n=3)" in looped.stdout


def test_check_mismatch_exits_1():
    result = run("check", target("uses_cube", EXAMPLES / "wrong_derivative.py"),
                 "--args", "2.0")
    assert result.returncode == 1, result.stderr
    assert "  x: MISMATCH  max error 8" in result.stdout
    assert "    s2sad               5.0" in result.stdout
    assert result.stdout.splitlines()[-1] == "MISMATCH in 1 of 1 argument(s)"


# ------------------------------------------------------------------ errors

def test_missing_file():
    assert_one_line_error(run("show", "no/such/file.py:f"), "no such file")


def test_missing_function_and_non_function():
    assert_one_line_error(run("show", target("nope")), "has no function 'nope'")
    assert_one_line_error(run("show", target("NOT_CALLABLE")), "not a function")


def test_target_without_function_name():
    assert_one_line_error(run("show", str(FUNCTIONS)), "FILE.py:FUNCTION")


def test_unsupported_syntax_shows_the_located_source():
    result = run("show", target("guarded", EXAMPLES / "unsupported.py"))
    assert_one_line_error(result, "cannot differentiate try/except")
    assert 'unsupported.py", line 5' in result.stderr
    assert "    try:\n    ^" in result.stderr


def test_wrt_error():
    result = run("show", target("f"), "--wrt", "z")
    assert_one_line_error(result, "'z'", "parameters: x, y")


def test_check_argument_errors():
    assert_one_line_error(run("check", target("f"), "--args", "1.0"),
                          "takes 2 argument(s) but --args gives 1")
    assert_one_line_error(run("check", target("f"), "--args", "1.0", "abc"),
                          "'abc' is not a Python literal")
    assert_one_line_error(run("check", target("loop"), "--wrt", "n", "--args", "0.5", "3"),
                          "'n' is the integer 3")


def test_non_scalar_output_is_an_s2sad_error():
    assert_one_line_error(run("check", target("vector"), "--args", "[1.0, 2.0]"),
                          "to return a scalar")


def test_syntax_error_and_import_error_in_the_file(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(x):\n    return x +\n")
    assert_one_line_error(run("show", f"{broken}:f"), "broken.py:2: syntax error")
    failing = tmp_path / "failing.py"
    failing.write_text("raise RuntimeError('boom')\n")
    assert_one_line_error(run("show", f"{failing}:f"), "RuntimeError: boom")


def test_module_named_like_an_imported_module(tmp_path):
    shadow = tmp_path / "numpy.py"
    shadow.write_text("def f(x):\n    return x * x\n")
    result = run("show", f"{shadow}:f")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def df(x, bresult=1.0):")


# ------------------------------------------------------------------ in process

@pytest.mark.parametrize("text, expected", [
    ("x,y", ("x", "y")), ("0", (0,)), ("x, 1", ("x", 1)), ("-1", (-1,))])
def test_parse_wrt(text, expected):
    assert cli.parse_wrt(text) == expected


def test_parse_value():
    assert cli.parse_value("3") == 3 and isinstance(cli.parse_value("3"), int)
    assert cli.parse_value("1e-3") == 1e-3
    assert cli.parse_value("[[1, 2], [3, 4]]").shape == (2, 2)
    with pytest.raises(cli.CLIError):
        cli.parse_value("'text'")


def test_highlight_only_adds_colour():
    source = ("def df(x, bresult=1.0):\n    # Grad of: return x\n"
              "    assert_scalar(x, 'f')\n    return None if x else x ** 2\n")
    coloured = highlight(source)
    assert strip_colour(coloured) == source
    assert "\033[1;35mdef\033[0m \033[1;33mdf\033[0m" in coloured
    assert "\033[32m'f'\033[0m" in coloured and "\033[36m1.0\033[0m" in coloured
    assert "\033[90m# Grad of: return x\033[0m" in coloured
    assert highlight("def (:\n") == "def (:\n"


class _Terminal:
    def isatty(self):
        return True


def test_wants_colour_respects_tty_and_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(_Terminal())
    with open(os.devnull, "w") as devnull:
        assert not wants_colour(devnull)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(_Terminal())
