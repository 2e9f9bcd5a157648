"""The numba backend: the float version of a derivative, compiled by numba.

`compiled(df, function)` puts a dispatcher in front of the Python derivative
`df`: a call whose arguments are all Python floats and ints runs the float
version (s2sad/specialize.py) compiled with `numba.njit`; any other call, and
every call once numba failed to compile, runs `df`, after one warning that says
why (`BackendFallbackWarning`).

The float version, the float versions of the derivatives it calls and the plain
functions those call (the user's helpers) go into one module file in a cache
folder (`$S2SAD_CACHE`, else `~/.cache/s2sad`) named by a hash of its text, so
that numba's disk cache (`cache=True`, beside the file) serves later processes.
The rewrites numba needs are made here, on that text, and nowhere else:

- `reversed(range(n))` becomes `range(n - 1, -1, -1)` (numba has no `reversed`);
- calls of s2sad's helpers lose the arguments only their error messages use
  (`assert_scalar(v, f)` becomes `assert_scalar(v)`) and go to float-only
  stand-ins (s2sad/backends/numba_floats.py);
- keyword-only parameters (seeds after parameters with defaults) become
  positional, as numba wants;
- each derivative starts with `floats_only(...)` of its parameters, so a helper's
  float version compiled for an array argument fails to compile instead of
  computing a wrong gradient.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.util
import inspect
import io
import os
import sys
import textwrap
import threading
import tokenize
import warnings
from pathlib import Path
from typing import Callable

from .. import specialize
from ..errors import BackendFallbackWarning

NJIT = "@numba.njit(error_model='numpy', cache=True)"


def available() -> bool:
    """Whether numba can be imported."""
    return importlib.util.find_spec("numba") is not None


def cache_folder() -> Path:
    """Where generated modules (and numba's cache of them) are kept."""
    return Path(os.environ.get("S2SAD_CACHE") or Path.home() / ".cache" / "s2sad")


class NotCompiled(Exception):
    """The float version cannot be compiled; the message says why."""


# --------------------------------------------------------------------------
# The dispatcher in front of the Python derivative.
# --------------------------------------------------------------------------

def compiled(df: Callable, function: Callable) -> Callable:
    """`df` behind a dispatcher that runs all-float calls compiled by numba.
    `function` is the user's function `df` differentiates (named in warnings)."""
    parameters = list(inspect.signature(df).parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return df
    names = [p.name for p in parameters]
    own = _own_names(names, ["compiled", "compiling", "not_compiled", "fall_back",
                             "python", "not_floats", "type", "float", "int"])
    test = " and ".join(f"({own['type']}({n}) is {own['float']} or "
                        f"{own['type']}({n}) is {own['int']})" for n in names)
    passed = ", ".join(f"{p.name}={p.name}" if p.kind is p.KEYWORD_ONLY else p.name
                       for p in parameters)
    text = (f"def {df.__name__}({_header_of(parameters)}):\n"
            f"    if {test}:\n"
            f"        if {own['compiling']}:\n"
            f"            try:\n"
            f"                return {own['compiled']}({', '.join(names)})\n"
            f"            except {own['not_compiled']} as error:\n"
            f"                {own['fall_back']}(error)\n"
            f"        return {own['python']}({passed})\n"
            f"    return {own['not_floats']}({passed})\n")
    scope: dict = {}
    state = _CompiledFloats(df, function, scope, own)
    scope.update({own["compiled"]: state, own["compiling"]: True,
                  own["not_compiled"]: state.errors(), own["fall_back"]: state.fall_back,
                  own["python"]: df, own["not_floats"]: state.not_floats,
                  own["type"]: type, own["float"]: float, own["int"]: int})
    exec(compile(text, f"<s2sad {df.__name__} numba dispatch>", "exec"), scope)
    dispatcher = scope[df.__name__]
    # df may be a guard taking *args: the defaults come from its signature
    dispatcher.__defaults__ = tuple(p.default for p in parameters if p.kind is not
                                    p.KEYWORD_ONLY and p.default is not p.empty) or None
    dispatcher.__kwdefaults__ = {p.name: p.default for p in parameters if p.kind is
                                 p.KEYWORD_ONLY and p.default is not p.empty} or None
    dispatcher.__doc__ = df.__doc__
    dispatcher.__wrapped__ = df
    dispatcher.__s2sad_source__ = getattr(df, "__s2sad_source__", None)
    dispatcher.__s2sad_callees__ = getattr(df, "__s2sad_callees__", {})
    dispatcher.__s2sad_general__ = getattr(df, "__s2sad_general__", None)
    dispatcher.__s2sad_scalar__ = state
    dispatcher.__s2sad_forwards__ = True  # to a derivative that computes the same
    return dispatcher


def _own_names(parameters: list, stems: list) -> dict:
    """The dispatcher's global names, clear of its parameters."""
    own = {}
    for stem in stems:
        name = stem
        while name in parameters:
            name += "_"
        own[stem] = name
    return own


def _header_of(parameters: list) -> str:
    """The dispatcher's parameters; placeholders for defaults (set afterwards)."""
    texts, starred = [], False
    for p in parameters:
        if p.kind is p.KEYWORD_ONLY and not starred:
            texts.append("*")
            starred = True
        texts.append(p.name + ("=None" if p.default is not p.empty else ""))
    return ", ".join(texts)


class _CompiledFloats:
    """The compiled float version: made on the first all-float call (also by
    `s2sad.source(df, floats=True)`), or, when numba cannot compile it, the
    Python float version, after one warning."""

    def __init__(self, df: Callable, function: Callable, scope: dict, own: dict):
        self.df = df
        self.function_name = getattr(function, "__qualname__", repr(function))
        code = getattr(function, "__code__", None)
        self.where = f"{code.co_filename}, line {code.co_firstlineno}" if code else ""
        self.own = own
        self.scope = scope
        self.lock = threading.Lock()
        self.function: Callable | None = None
        self.warned_floats = False

    def errors(self) -> tuple:
        """What sends a call to the Python version: numba could not compile, or its
        code met a value it had typed otherwise (TypeError: `None` where it typed a
        float, in a derivative's tape)."""
        from numba.core.errors import NumbaError
        return (NotCompiled, NumbaError, TypeError)

    def make(self) -> Callable:
        """The numba-compiled float version, or the Python one after a failure."""
        with self.lock:
            if self.function is None:
                try:
                    self.function = _build(self.df)
                except NotCompiled as error:
                    self._give_up(error)
        return self.function

    def __call__(self, *args):
        function = self.make()
        if not self.scope[self.own["compiling"]]:
            raise NotCompiled("fell back")
        self.scope[self.own["compiled"]] = function
        return function(*args)

    def fall_back(self, error: Exception) -> None:
        with self.lock:
            self._give_up(error)

    def _give_up(self, error: Exception) -> None:
        if not self.scope[self.own["compiling"]]:
            return
        self.scope[self.own["compiling"]] = False
        self.function = specialize.scalar_version(self.df) or self.df
        _warn(f"backend='numba': numba cannot compile the derivative of "
              f"'{self.function_name}' ({self.where}): {_reason(error)}. It runs in "
              f"Python instead; s2sad.source(df, floats=True) shows that code.")

    def not_floats(self, *args, **kwargs):
        """The first call with an argument that is not a float or an int: warn,
        then run (and from now on call) the Python derivative."""
        if not self.warned_floats:
            self.warned_floats = True
            values = list(args) + list(kwargs.values())
            names = list(inspect.signature(self.df).parameters)
            first = next(((n, v) for n, v in zip(names, values)
                          if type(v) not in (float, int)), ("?", None))
            _warn(f"backend='numba' compiles calls whose arguments are all Python floats "
                  f"and ints, but the derivative of '{self.function_name}' "
                  f"({self.where}) got {first[0]} of type {type(first[1]).__name__}. This "
                  f"call and others like it run the Python derivative.")
        self.scope[self.own["not_floats"]] = self.df
        return self.df(*args, **kwargs)


_PACKAGE = str(Path(__file__).resolve().parent.parent)


def _warn(message: str) -> None:
    """A BackendFallbackWarning pointing at the user's call, past s2sad's frames."""
    frame, level = sys._getframe(0), 1
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE) or
                                 frame.f_code.co_filename.startswith("<s2sad")):
        frame, level = frame.f_back, level + 1
    warnings.warn(BackendFallbackWarning(message), stacklevel=level)


def _reason(error: Exception) -> str:
    """The first lines of an error, enough to say why."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:2]) if lines else type(error).__name__
    return text if len(text) < 400 else text[:400] + " ..."


# --------------------------------------------------------------------------
# The module file: the call graph's functions, rewritten for numba.
# --------------------------------------------------------------------------

def _build(df: Callable) -> Callable:
    """The numba dispatcher of `df`'s float version, from its module file."""
    import numba
    scalar = specialize.scalar_version(df) or inspect.unwrap(df)
    module = _ModuleText(numba)
    entry = scalar.__name__
    module.include(scalar, entry, derivative=True)
    text = module.text()
    loaded = _load(text, entry)
    function = getattr(loaded, entry)
    function.__s2sad_source__ = text
    return function


class _ModuleText:
    """Imports, constants and functions of one generated module; every name it
    binds means one thing in all the functions compiled together."""

    def __init__(self, numba_module):
        self.bound: dict = {"numba": numba_module}
        self.imports = ["import numba"]
        self.stand_ins: list = []
        self.constants: list = []
        self.functions: list = []
        self.including: set = set()  # the functions whose text is being made

    def text(self) -> str:
        parts = ["# Generated by s2sad for backend='numba': the float version of a derivative",
                 "# and what it calls. The file is named by a hash of its text; numba keeps",
                 "# its compiled code beside it (__pycache__).",
                 *sorted(self.imports)]
        if self.stand_ins:
            parts.append("from s2sad.backends.numba_floats import " +
                         ", ".join(sorted(self.stand_ins)))
        if self.constants:
            parts += [""] + self.constants
        return "\n".join(parts) + "\n\n\n" + "\n\n".join(self.functions)

    def bind(self, name: str, value) -> bool:
        """Record `name = value`; False when it is bound so already."""
        if name in self.bound:
            old = self.bound[name]
            same = old is value or (type(old) is type(value) and
                                    isinstance(value, (int, float, bool, tuple)) and
                                    old == value)
            if not same:
                raise NotCompiled(f"the name '{name}' means two things in the functions "
                                  f"compiled together")
            return False
        self.bound[name] = value
        return True

    def include(self, function: Callable, name: str, derivative: bool) -> None:
        if name in self.including:  # numba typed such code wrongly, and its cache crashed
            raise NotCompiled(f"'{name}' calls itself (directly or through others)")
        if not self.bind(name, function):
            return
        self.including.add(name)
        text = _function_text(function, derivative)
        definition = ast.parse(text).body[0]
        if not isinstance(definition, ast.FunctionDef) or definition.decorator_list:
            raise NotCompiled(f"'{name}' is not a plain function definition")
        dropped = _dropped_arguments(definition, function)
        counted_down = _reversed_ranges(definition)
        for free in sorted(_free_names(definition, dropped, counted_down)):
            self.resolve(free, _lookup(function, free))
        text = _rewritten(text, definition, name, dropped, counted_down, derivative,
                          _emptying_loops(definition))
        if derivative:
            self.resolve("floats_only", _STAND_IN_MARK)
        self.functions.append(f"{NJIT}\n{text}")
        self.including.discard(name)

    def resolve(self, name: str, value) -> None:
        """Bind a free name of a function in the module: an import, a constant,
        a stand-in, or a function of its own."""
        if value is _BUILTIN:
            return
        if value is _MISSING:
            raise NotCompiled(f"the name '{name}' is not defined")
        if value is _STAND_IN_MARK or _stand_in_name(value):
            real = name if value is _STAND_IN_MARK else _stand_in_name(value)
            if self.bind(name, ("stand-in", real)):
                self.stand_ins.append(real if real == name else f"{real} as {name}")
        elif inspect.ismodule(value):
            if self.bind(name, value):
                module = value.__name__
                self.imports.append(f"import {module}" if module == name
                                    else f"import {module} as {name}")
        elif type(value) in (int, float, bool):
            if self.bind(name, value):
                self.constants.append(f"{name} = {value!r}")
        elif getattr(value, "__s2sad_source__", None) is not None:
            callee = specialize.scalar_version(value) or inspect.unwrap(value)
            self.include(callee, name, derivative=True)
        elif inspect.isfunction(value) and value.__name__ != "<lambda>":
            self.include(value, name, derivative=False)
        else:
            raise NotCompiled(f"'{name}' is a {type(value).__name__}, which compiled code "
                              f"cannot use")


_BUILTIN, _MISSING, _STAND_IN_MARK = object(), object(), object()


def _stand_in_name(value) -> str | None:
    """The stand-in of an s2sad helper (its name), or None."""
    from .numba_floats import STAND_INS
    name = getattr(value, "__name__", None)
    module = getattr(value, "__module__", None) or ""
    if name in STAND_INS and module.startswith("s2sad.") and callable(value):
        return name
    return None


def _function_text(function: Callable, derivative: bool) -> str:
    if derivative:
        return function.__s2sad_source__
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError) as error:
        raise NotCompiled(f"the source of '{function.__name__}' is unavailable") from error


def _lookup(function: Callable, name: str):
    """What `name` means in `function`: its closure, its globals, or a builtin."""
    code = function.__code__
    if name in code.co_freevars:
        cell = function.__closure__[code.co_freevars.index(name)]
        try:
            value = cell.cell_contents
        except ValueError:
            return _MISSING
    elif name in function.__globals__:
        value = function.__globals__[name]
    else:
        return _BUILTIN if hasattr(builtins, name) else _MISSING
    return _BUILTIN if value is getattr(builtins, name, _MISSING) else value


def _dropped_arguments(definition: ast.FunctionDef, function: Callable) -> dict:
    """{helper call: how many arguments it keeps} for the calls of s2sad helpers
    whose stand-ins take fewer arguments."""
    from .numba_floats import STAND_INS
    kept = {}
    for node in ast.walk(definition):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            helper = _stand_in_name(_lookup(function, node.func.id))
            if helper and len(node.args) > STAND_INS[helper]:
                kept[node] = STAND_INS[helper]
    return kept


def _free_names(definition: ast.FunctionDef, dropped: dict, counted_down: dict) -> set:
    """Names the function reads but does not bind, outside dropped arguments
    (and without the `reversed` of a range counted down)."""
    arguments = definition.args
    local = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    local |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    skipped = {id(arg) for call, keep in dropped.items() for arg in call.args[keep:]}
    skipped |= {id(call.func) for call in counted_down}
    read = set()
    stack = list(definition.body) + list(arguments.defaults) + \
        [d for d in arguments.kw_defaults if d is not None]
    while stack:
        node = stack.pop()
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else local).add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return read - local


def _rewritten(text: str, definition: ast.FunctionDef, name: str, dropped: dict,
               counted_down: dict, derivative: bool, emptying: list) -> str:
    """The function's text with the header, helper calls, reversed ranges and
    loops emptying a stack rewritten for numba (comments and layout kept)."""
    source = _Source(text)
    edits = [(*source.span(call), _kept_call(source, call, keep))
             for call, keep in dropped.items()]
    edits += [(*source.span(call), _count_down(source, arguments))
              for call, arguments in counted_down.items()]
    for loop, index in emptying:
        edits += _read_down(source, loop, index)
    start, end = source.header_span(definition)
    header = _header(source, definition, name)
    if derivative:
        indent = " " * definition.body[0].col_offset
        header += f"\n{indent}floats_only({', '.join(_parameters(definition))})"
    edits.append((start, end, header))
    return source.edited(edits)


class _Source:
    """Text addressed by the positions of its syntax tree (lines, byte columns)."""

    def __init__(self, text: str):
        self.data = text.encode()
        self.starts = [0]
        for line in text.splitlines(True):
            self.starts.append(self.starts[-1] + len(line.encode()))

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def span(self, node: ast.AST) -> tuple:
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()

    def header_span(self, definition: ast.FunctionDef) -> tuple:
        """From `def` to the colon that ends the header."""
        text = self.data.decode()
        depth = 0
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        for token in tokens:
            if token.type != tokenize.OP:
                continue
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
            elif token.string == ":" and depth == 0:
                line, column = token.end
                prefix = text.splitlines(True)[line - 1][:column]
                return (self.offset(definition.lineno, definition.col_offset),
                        self.starts[line - 1] + len(prefix.encode()))
        raise NotCompiled("no function header found")

    def edited(self, edits: list) -> str:
        data = self.data
        for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
            data = data[:start] + replacement.encode() + data[end:]
        return data.decode()


def _parameters(definition: ast.FunctionDef) -> list:
    arguments = definition.args
    if arguments.vararg or arguments.kwarg:
        raise NotCompiled(f"'{definition.name}' takes *args or **kwargs")
    return [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]


def _header(source: _Source, definition: ast.FunctionDef, name: str) -> str:
    """`def name(a, b=..., seed=...):` with keyword-only parameters made positional
    (their defaults kept while they can be: a parameter without one may not follow)."""
    arguments = definition.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    defaults += list(arguments.kw_defaults)
    names = _parameters(definition)
    if any(a is None and b is not None for b, a in zip(defaults, defaults[1:])):
        defaults = [None] * len(defaults)  # every caller passes every argument then
    texts = [n if d is None else f"{n}={source.segment(d)}" for n, d in zip(names, defaults)]
    return f"def {name}({', '.join(texts)}):"


def _kept_call(source: _Source, call: ast.Call, keep: int) -> str:
    return f"{call.func.id}({', '.join(source.segment(a) for a in call.args[:keep])})"


def _reversed_ranges(definition: ast.FunctionDef) -> dict:
    """{`reversed(range(...))` call: (the range's arguments, the end of a slice
    `[:n]` of it or None)} for each such call that a range counting down can
    replace: one or two arguments, or a positive literal step; the slice (the
    iterations a loop with `break` ran) with one or two."""
    found = {}
    for node in ast.walk(definition):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
                node.func.id == "reversed" and len(node.args) == 1 and not node.keywords):
            continue
        inner, end = node.args[0], None
        if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Slice) and \
                inner.slice.lower is None and inner.slice.step is None and \
                inner.slice.upper is not None:
            inner, end = inner.value, inner.slice.upper
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and \
                inner.func.id == "range" and not inner.keywords and \
                (len(inner.args) in (1, 2) or end is None and len(inner.args) == 3 and
                 isinstance(inner.args[2], ast.Constant) and
                 type(inner.args[2].value) is int and inner.args[2].value > 0):
            found[node] = (inner.args, end)
    return found


def _emptying_loops(definition: ast.FunctionDef) -> list:
    """[(loop, a fresh index name)] for the loops `while stack: v = stack.pop() ...`
    that use the stack nowhere else and leave only when it is empty: numba's
    `pop` cost as much as the rest of a Newton step's reverse (it may shrink the
    list), so such a loop reads the items by position and empties the list after."""
    taken = {node.id for node in ast.walk(definition) if isinstance(node, ast.Name)}
    taken |= {a.arg for a in ast.walk(definition.args) if isinstance(a, ast.arg)}
    found = []
    for loop in ast.walk(definition):
        if not (isinstance(loop, ast.While) and isinstance(loop.test, ast.Name) and
                not loop.orelse):
            continue
        stack, first = loop.test.id, loop.body[0]
        popped = isinstance(first, ast.Assign) and isinstance(first.value, ast.Call) and \
            isinstance(first.value.func, ast.Attribute) and first.value.func.attr == "pop" \
            and isinstance(first.value.func.value, ast.Name) and \
            first.value.func.value.id == stack and not first.value.args and \
            not first.value.keywords
        if not popped or _leaves_early(loop.body) or any(
                isinstance(node, ast.Name) and node.id == stack
                for stmt in [first.targets[0], *loop.body[1:]] for node in ast.walk(stmt)):
            continue
        index = f"{stack}_at"
        while index in taken:
            index += "_"
        taken.add(index)
        found.append((loop, index))
    return found


def _leaves_early(stmts: list) -> bool:
    """Whether a `break`, `continue` or `return` of these statements' own loop is
    among them (a nested loop's do not count, its `return` does)."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Break, ast.Continue)):
            return True
        if isinstance(node, (ast.For, ast.While)):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            stack.extend(node.orelse)
        elif not isinstance(node, (ast.FunctionDef, ast.Lambda, ast.expr)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _read_down(source: _Source, loop: ast.While, index: str) -> list:
    """Edits making `while stack: v = stack.pop()` + body read the stack from its
    top by position, then empty it."""
    stack = loop.test.id
    pop = loop.body[0].value
    start = source.offset(loop.lineno, loop.col_offset)
    indent = " " * loop.col_offset
    return [(start, source.span(loop.test)[1], f"for {index} in range(len({stack}) - 1, -1, -1)"),
            (*source.span(pop), f"{stack}[{index}]"),
            (*[source.span(loop)[1]] * 2, f"\n{indent}{stack}.clear()")]


def _count_down(source: _Source, counted: tuple) -> str:
    """The range that runs `range(*arguments)[:end]` backwards (end, a count of
    iterations run, is not negative)."""
    arguments, end = counted
    texts = [_operand(source, a) for a in arguments]
    if end is not None:
        limit = _operand(source, end)
        texts[-1] = f"min({texts[0]}, {limit})" if len(texts) == 1 else \
            f"min({texts[1]}, {texts[0]} + {limit})"
    if len(arguments) == 1:
        return f"range({texts[0]} - 1, -1, -1)"
    if len(arguments) == 2:
        return f"range({texts[1]} - 1, {texts[0]} - 1, -1)"
    start, stop, step = texts[0], texts[1], arguments[2].value
    return f"range({start} + ({stop} - {start} - 1) // {step} * {step}, {start} - {step}, -{step})"


def _operand(source: _Source, node: ast.AST) -> str:
    text = source.segment(node)
    return text if isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.Attribute,
                                     ast.Subscript)) else f"({text})"


def _load(text: str, entry: str):
    """The module with `text`, from its file in the cache folder (written once)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    module_name = f"s2sad_numba_{entry}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    folder = cache_folder()
    path = folder / f"{module_name}.py"
    try:
        if not path.exists():  # rewriting it would change its time: numba's cache key
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{module_name}.{os.getpid()}.tmp"
            partial.write_text(text)
            os.replace(partial, path)
    except OSError as error:
        raise NotCompiled(f"cannot write the cache folder {folder} ({error}); set "
                          f"S2SAD_CACHE to a writable folder") from error
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[module_name]
        raise
    return module
