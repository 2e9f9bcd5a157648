"""A tiny ANSI syntax highlighter for Python source, built on `tokenize`.

Only the colour codes are added: stripping them gives back the exact input.
"""
from __future__ import annotations

import io
import keyword
import os
import re
import token
import tokenize
from typing import TextIO

RESET = "\033[0m"
STYLES = {
    "keyword": "\033[1;35m",   # bold magenta
    "constant": "\033[35m",    # magenta: True, False, None
    "definition": "\033[1;33m",  # bold yellow: the name after def / class
    "string": "\033[32m",      # green
    "number": "\033[36m",      # cyan
    "comment": "\033[90m",     # grey
}
_ANSI = re.compile(r"\033\[[0-9;]*m")
_CONSTANTS = {"True", "False", "None"}


def highlight(source: str) -> str:
    """`source` with ANSI colours; unchanged if it does not tokenize."""
    offsets = _line_offsets(source)
    out, position, after_def = [], 0, False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            style = _style(tok, after_def)
            after_def = tok.type == token.NAME and tok.string in ("def", "class")
            if style is None or not tok.string:
                continue
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            out.append(source[position:start])
            out.append(STYLES[style] + source[start:end] + RESET)
            position = end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    out.append(source[position:])
    return "".join(out)


def strip_colour(text: str) -> str:
    """`text` without ANSI colour codes."""
    return _ANSI.sub("", text)


def wants_colour(stream: TextIO) -> bool:
    """Colour for a terminal, unless the NO_COLOR convention says otherwise."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _style(tok: tokenize.TokenInfo, after_def: bool) -> str | None:
    if tok.type == token.NAME:
        if after_def:
            return "definition"
        if tok.string in _CONSTANTS:
            return "constant"
        if keyword.iskeyword(tok.string):
            return "keyword"
        return None
    if tok.type == token.STRING:
        return "string"
    if tok.type == token.NUMBER:
        return "number"
    if tok.type == token.COMMENT:
        return "comment"
    return None


def _line_offsets(source: str) -> list:
    """The index in `source` where each line (1-based line n at [n - 1]) starts."""
    offsets, total = [0], 0
    for line in io.StringIO(source):  # split as tokenize reads: at "\n" only
        total += len(line)
        offsets.append(total)
    return offsets
