"""The command line: `s2sad show` prints a derivative, `s2sad check` tests one.

    s2sad show path/to/file.py:func [--wrt x,y] [--mode reverse|forward] [--no-optimize]
    s2sad check path/to/file.py:func --args 1.0 "[1, 2]" [--wrt x,y]

Exit status: 0 on success, 1 when `check` finds a mismatch, 2 on any error
(bad arguments, missing file or function, code s2sad cannot differentiate).
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import os
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from . import __version__, api, highlight
from .checking import numerical_gradient
from .errors import S2SADError

# The tolerances of s2sad.check_grads.
RTOL, ATOL, EPS = 1e-5, 1e-6, 1e-6


class CLIError(Exception):
    """A problem to report in one line (plus detail lines), exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.command(args)
    except (CLIError, S2SADError) as exc:
        print(f"s2sad: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `s2sad show ... | head`: the reader left, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sad", description="Source-to-source automatic differentiation for "
                                  "Python and NumPy: print or check a derivative.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    show = commands.add_parser(
        "show", help="print the generated derivative of a function",
        description="Print the source code s2sad generates.",
        usage="%(prog)s FILE.py:FUNCTION [--wrt X,Y] [--checkpoints K] "
              "[--mode {reverse,forward}] [--no-optimize] [--color {auto,always,never}]")
    _add_target_arguments(show)
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse: the gradient, as s2sad.grad makes it (default); "
                           "forward: s2sad.autodiff(mode='forward')")
    show.add_argument("--no-optimize", dest="optimized", action="store_false",
                      help="show the code before the optimizer cleans it up")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="syntax colour: auto (default) colours a terminal unless "
                           "NO_COLOR is set")
    show.set_defaults(command=show_command)

    check = commands.add_parser(
        "check", help="compare the gradient with finite differences",
        description="Compare s2sad's gradient with central finite differences; exit "
                    "status 1 if they disagree.",
        usage="%(prog)s FILE.py:FUNCTION --args VALUE [VALUE ...] [--wrt X,Y] "
              "[--checkpoints K] [--rtol RTOL] [--atol ATOL] [--eps EPS]")
    _add_target_arguments(check)
    check.add_argument("--args", nargs="+", required=True, metavar="VALUE",
                       help="the point to check at, one Python literal per parameter "
                            "(1.0, 3, or [1.0, 2.0] for an array)")
    check.add_argument("--rtol", type=float, default=RTOL, help=f"default {RTOL}")
    check.add_argument("--atol", type=float, default=ATOL, help=f"default {ATOL}")
    check.add_argument("--eps", type=float, default=EPS,
                       help=f"finite-difference step, default {EPS}")
    check.set_defaults(command=check_command)
    return parser


def _add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE.py:FUNCTION",
                        help="the function to differentiate, e.g. model.py:loss")
    parser.add_argument("--wrt", type=parse_wrt, default=(0,), metavar="X,Y",
                        help="parameters to differentiate with respect to, by name or "
                             "index (default: the first)")
    parser.add_argument("--checkpoints", type=int, default=None, metavar="K",
                        help="loops keep at most K snapshots (binomial checkpointing; "
                             "reverse mode)")


# ---------------------------------------------------------------- commands

def show_command(args: argparse.Namespace) -> int:
    func = load_function(args.target)
    if args.mode == "reverse":
        df = api.grad(func, wrt=args.wrt, optimized=args.optimized,
                      checkpoints=args.checkpoints)
    else:
        df = api.autodiff(func, wrt=args.wrt, mode=args.mode, optimized=args.optimized)
    text = api.source(df)
    if args.color == "always" or (args.color == "auto" and highlight.wants_colour(sys.stdout)):
        text = highlight.highlight(text)
    sys.stdout.write(text)
    return 0


@dataclass
class Comparison:
    """One argument's gradient from s2sad and from finite differences."""

    name: str
    computed: object
    expected: object
    ok: bool
    error: float | None   # max absolute error; None when the shapes differ


def check_command(args: argparse.Namespace) -> int:
    func = load_function(args.target)
    values = [parse_value(text) for text in args.args]
    params = _check_arity(func, values)
    df = api.grad(func, wrt=args.wrt, checkpoints=args.checkpoints)   # validates --wrt
    gradients = _run_user_code(f"the gradient of {func.__name__}", lambda: df(*values))
    indices = wrt_indices(args.wrt, params)
    if len(indices) == 1:
        gradients = (gradients,)
    comparisons = []
    for index, computed in zip(indices, gradients):
        expected = _run_user_code(
            f"{func.__name__} with argument {params[index]} bumped by --eps",
            lambda: numerical_gradient(func, tuple(values), index, args.eps))
        comparisons.append(compare(params[index], computed, expected, args.rtol, args.atol))
    print(report(func.__name__, params, values, comparisons, args))
    return 0 if all(c.ok for c in comparisons) else 1


def compare(name: str, computed, expected, rtol: float, atol: float) -> Comparison:
    if np.shape(computed) != np.shape(expected):
        return Comparison(name, computed, expected, False, None)
    error = np.abs(np.asarray(computed, dtype=float) - np.asarray(expected, dtype=float))
    worst = float(error.max()) if error.size else 0.0
    ok = bool(np.allclose(computed, expected, rtol=rtol, atol=atol))
    return Comparison(name, computed, expected, ok, worst)


def report(name: str, params: list, values: list, comparisons: list,
           args: argparse.Namespace) -> str:
    point = ", ".join(f"{p}={_short(v)}" for p, v in zip(params, values))
    lines = [f"gradient of {name}({point})",
             f"finite differences: central, eps={args.eps:g}; tolerance "
             f"rtol={args.rtol:g}, atol={args.atol:g}"]
    for c in comparisons:
        if c.error is None:
            verdict = (f"MISMATCH  shapes differ: s2sad {np.shape(c.computed)}, "
                       f"finite differences {np.shape(c.expected)}")
        else:
            verdict = f"{'OK' if c.ok else 'MISMATCH'}  max error {c.error:.3g}"
        lines += [f"  {c.name}: {verdict}",
                  f"    s2sad               {_short(c.computed)}",
                  f"    finite differences  {_short(c.expected)}"]
    failed = sum(not c.ok for c in comparisons)
    lines.append("OK" if not failed else f"MISMATCH in {failed} of {len(comparisons)} "
                                         f"argument(s)")
    return "\n".join(lines)


def _short(value) -> str:
    """A number in full precision, an array on one line."""
    if np.ndim(value) == 0:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return str(int(value))
        return repr(float(value))
    return np.array2string(np.asarray(value), precision=10, separator=", ", threshold=20,
                           max_line_width=10 ** 6)


def _run_user_code(what: str, thunk: Callable):
    """Run `thunk`, which calls user code; its exception is reported, not a traceback."""
    try:
        return thunk()
    except S2SADError:
        raise
    except Exception as exc:
        raise CLIError(f"evaluating {what} at --args raised "
                       f"{type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------- arguments

def parse_wrt(text: str) -> tuple:
    """'x,y' -> ('x', 'y'); '0,2' -> (0, 2)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty entry in {text!r}: use names or indices "
                                         "separated by commas, e.g. x,y")
    return tuple(int(i) if re.fullmatch(r"-?\d+", i) else i for i in items)


def parse_value(text: str):
    """A Python literal: numbers stay numbers, lists and tuples become arrays."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise CLIError(f"--args value {text!r} is not a Python literal "
                       "(use e.g. 1.0, 3 or [1.0, 2.0])") from None
    if isinstance(value, (list, tuple)):
        try:
            return np.array(value, dtype=float)
        except (ValueError, TypeError):
            raise CLIError(f"--args value {text!r} is not a numeric array") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CLIError(f"--args value {text!r} is not a number or a list of numbers")
    return value


def wrt_indices(wrt: tuple, params: list) -> list:
    """Positions of `wrt` entries (s2sad.grad has already validated them)."""
    return [params.index(w) if isinstance(w, str) else w % len(params) for w in wrt]


def _check_arity(func: Callable, values: list) -> list:
    params = list(inspect.signature(func).parameters)
    if len(values) != len(params):
        raise CLIError(f"{func.__name__}({', '.join(params)}) takes {len(params)} "
                       f"argument(s) but --args gives {len(values)}")
    return params


# ---------------------------------------------------------------- loading

def load_function(target: str) -> Callable:
    """The function `FUNC` of `FILE.py:FUNC`, importing the file as a module."""
    path_text, colon, name = target.rpartition(":")
    if not colon or not path_text or not name:
        raise CLIError(f"expected FILE.py:FUNCTION, got {target!r}")
    module = load_module(pathlib.Path(path_text))
    value = module
    for part in name.split("."):
        value = getattr(value, part, None)
        if value is None:
            raise CLIError(f"{path_text} has no function {name!r}")
    if not callable(value):
        raise CLIError(f"{name!r} in {path_text} is a {type(value).__name__}, "
                       "not a function")
    return value


def load_module(path: pathlib.Path):
    """Import a file under a module name made from its name, with its folder on sys.path."""
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    path = path.resolve()
    module_name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise CLIError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[module_name]
        raise CLIError(f"{exc.filename}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        del sys.modules[module_name]
        raise CLIError(f"importing {path} raised {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(path.parent))
    return module


def module_name_for(path: pathlib.Path) -> str:
    """The file's stem as an identifier, not shadowing a module already imported."""
    name = re.sub(r"\W", "_", path.stem)
    if not name or name[0].isdigit():
        name = "_" + name
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) != str(path):
        name = f"__s2sad_cli__{name}"
    return name
