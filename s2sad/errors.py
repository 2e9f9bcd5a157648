"""The exceptions s2sad raises, each pointing at the user's source."""
from __future__ import annotations

import ast
import linecache
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in the user's source: file, 1-based line and 0-based column."""

    filename: str
    lineno: int
    col: int = 0

    @classmethod
    def parse(cls, place: str) -> "Location":
        """The Location of 'file:line' or 'file:line:column', as generated code
        passes it to the helpers that refuse a construct when it runs."""
        head, _, last = place.rpartition(":")
        filename, _, line = head.rpartition(":")
        if line.isdigit():  # file:line:column
            return cls(filename, int(line), int(last))
        return cls(head, int(last))

    def excerpt(self) -> str:
        """The source line with a caret under the column, or '' if unknown."""
        line = linecache.getline(self.filename, self.lineno).rstrip("\n")
        if not line:
            return ""
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        caret = " " * max(self.col - indent, 0) + "^"
        return f"    {stripped}\n    {caret}"


# generated file -> (the file its code came from, {line: (line, column) there},
# the line of the function it was made from)
_GENERATED: dict = {}


def register_generated(filename: str, origin: str, lines: dict, first_line: int) -> None:
    """Record where each line of generated code `filename` came from."""
    _GENERATED[filename] = (origin, lines, first_line)


def user_location(location: Location | None) -> Location | None:
    """The user's line that `location` in generated code came from (through
    derivatives of derivatives); a location in other files as it is."""
    while location is not None and location.filename in _GENERATED:
        origin, lines, first_line = _GENERATED[location.filename]
        lineno, col = lines.get(location.lineno, (first_line, 0))
        location = Location(origin, lineno, col)
    return location


def running_derivative_line() -> Location | None:
    """The user's line whose derivative is running: for a derivative rule that can
    only refuse once it sees the values (a shape, a flag), called from generated
    code. None when no generated code is on the stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename in _GENERATED:
            return user_location(Location(frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return None


def argument_location(location: Location | None, position: int, keyword: str,
                      item: int | None = None) -> Location | None:
    """Where the argument at `position` (or passed as `keyword=`) of a call starts
    in the user's source, and its entry `item` if the argument is a tuple or list
    display: a rule that refuses one argument's value when it runs points there.
    `location` is the running derivative's line, which is the call's, or (once
    the optimizer folded the rule into the argument's own adjoint) the argument's;
    `location` itself when neither matches (or the source does not parse)."""
    if location is None:
        return None
    try:
        tree = ast.parse("".join(linecache.getlines(location.filename)))
    except (SyntaxError, ValueError):
        return location
    at = (location.lineno, location.col)
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        argument = _argument(call, position, keyword)
        if argument is not None and at in ((call.lineno, call.col_offset),
                                           (argument.lineno, argument.col_offset)):
            if item is not None and isinstance(argument, (ast.Tuple, ast.List)) and \
                    not any(isinstance(e, ast.Starred) for e in argument.elts[:item + 1]) \
                    and item < len(argument.elts):
                argument = argument.elts[item]
            return Location(location.filename, argument.lineno, argument.col_offset)
    return location


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """The argument a call passes for a parameter, if it is written out."""
    if any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
        return None
    if position < len(call.args):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


class S2SADError(Exception):
    """Base class of every error s2sad raises on purpose."""

    def __init__(self, message: str, location: Location | None = None, hint: str = ""):
        self.message = message
        self.location = user_location(location)
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        parts = [self.message]
        if self.location is not None:
            loc = self.location
            parts.append(f'  File "{loc.filename}", line {loc.lineno}')
            excerpt = loc.excerpt()
            if excerpt:
                parts.append(excerpt)
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return "\n".join(parts)


class UnsupportedSyntaxError(S2SADError):
    """A Python construct outside the subset s2sad differentiates."""


class RecursiveCall(UnsupportedSyntaxError):
    """A function whose derivative is being made calls itself: its call's derivative
    is looked up when it runs (dispatch.py), or this error reaches the user."""


class NonDifferentiableError(S2SADError):
    """A call or operation with no known derivative."""


class SourceUnavailableError(S2SADError):
    """The source code of a function cannot be retrieved."""


class WrtError(S2SADError):
    """A `wrt` that names no parameter of the function, or one the derivative asked
    for cannot be taken in."""


class ShapeError(S2SADError):
    """An output or seed whose shape does not fit the request."""


class GradientCheckError(S2SADError, AssertionError):
    """Gradients disagree with finite differences (raised by check_grads)."""


class S2SADWarning(UserWarning):
    """Base class of the warnings s2sad gives."""


class BackendFallbackWarning(S2SADWarning):
    """A derivative asked for a compiled backend runs in Python instead (once per
    derivative and reason: the message says why)."""
