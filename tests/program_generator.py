"""Hypothesis strategies that write random Python/NumPy programs for s2sad.

`valid_programs()` draws modules whose function `f` s2sad must differentiate:
straight-line arithmetic, NumPy and `math` calls, matrix products with a constant
matrix (`a @ MIX`, `np.dot(a, MIX)`), one-row values that broadcast against
arrays (`a + b[:1] @ MIX`), reductions, element reads,
branches on data and conditional expressions, `for` loops over ranges, arrays,
`enumerate` and `zip`, `while` loops, loop-carried state, `break`/`continue`, early
returns, augmented assignment, tuple unpacking, comprehensions, closures, globals,
nested `def`s and lambdas that read the enclosing function's variables (called
directly or passed to a helper that calls them), calls to helper functions of
the same module (with defaults, returning one value or a pair, decorated or not: a
`functools.wraps` wrapper that scales the value or only forwards the call, or
`functools.lru_cache` on scalar helpers), loops over a list of layer matrices of
different shapes (the loop's variables change shape between iterations),
helpers taking a list or dict that f builds once and passes to two calls, and
the shapes of issue 17: arithmetic copies (`c = a + 0.0`) and views read before
an element write, augmented assignment on an alias, `q.pop(i)` on lists,
repeated-index writes (`c[[0, 0]] = ...`) and random draws from a generator f
seeds itself (in f, after a draw nothing reads, by a helper two calls down, by
the method of an object holding the generator, from a module-level generator or
object holding one, or from a normal or uniform distribution whose parameters
carry derivatives). Values stay bounded (loop updates are squashed with
tanh/sin, divisions and logarithms only see positive denominators and arguments),
so each function is smooth and finite near inputs in [-1.5, 1.5], except at the branch
switches the tests detect with finite differences.

`invalid_programs()` draws a valid program with one construct s2sad does not
support spliced in somewhere in `f` (or in a helper that `f` calls), and records
the line on which s2sad should report it.

Comments marked `NOT generated` name the program shapes left out because they
expose s2sad bugs (numbered as in the report of issue #6).

A drawn `Program` holds the module's source; `load(program, directory)` writes it
to a file of its own and imports it, because s2sad reads functions' source code.
"""
from __future__ import annotations

import importlib.util
import itertools
import pathlib
import re
import string
from dataclasses import dataclass, field

from hypothesis import strategies as st

S, A = "scalar", "array"

CONSTANTS = ("0.5", "1.5", "2.0", "0.3", "(-0.7)", "1.1", "3.0")
NP_UNARY = ("np.sin", "np.cos", "np.tanh")
MATH_UNARY = ("math.sin", "math.cos", "math.tanh")
SHAPES = ((3,), (2,), (2, 3))
HOLE = "#<HOLE>"

_counter = itertools.count()


@dataclass
class Program:
    """A generated module: its source, the function to differentiate and the shapes
    of that function's arguments (() for a float)."""

    source: str
    shapes: tuple
    name: str = "f"
    construct: str | None = None        # invalid programs: what was spliced in
    bad_lines: tuple = ()                # ... and where s2sad should point (any of)

    def __repr__(self):
        numbered = "\n".join(f"{i:3d}  {line}"
                             for i, line in enumerate(self.source.splitlines(), 1))
        extra = f", construct={self.construct!r}, bad_lines={self.bad_lines}" \
            if self.construct else ""
        return f"Program(shapes={self.shapes}{extra}):\n{numbered}\n"


def load(program: Program, directory: pathlib.Path):
    """Write the program to a new file in `directory` and import it as a module."""
    stem = f"s2sad_random_{next(_counter)}"
    path = pathlib.Path(directory) / f"{stem}.py"
    path.write_text(program.source)
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


# ---------------------------------------------------------------- scopes


@dataclass
class Helper:
    name: str
    params: tuple          # kinds of the positional parameters
    has_default: bool      # a trailing scalar parameter `c=0.5`
    returns: str           # kind of the returned value, or "pair"
    pair: tuple = ()       # the kinds of the two values a "pair" helper returns


@dataclass
class ContainerHelper:
    name: str
    form: str              # "list" or "dict": how its first parameter holds two values
    kinds: tuple           # the kinds of those two values


@dataclass
class Scope:
    variables: dict                    # assignable names -> kind
    constants: dict                    # readable only (closure cells, globals) -> kind
    indices: list                      # int loop indices and counters in scope
    params: set                        # parameters: never updated in place
    returns: str                       # kind this function returns
    depth: int                         # how many more levels of blocks may nest
    loop: bool = False                 # inside a loop: squash updates, allow jumps
    allow_return: bool = True

    def child(self, **changes) -> "Scope":
        new = Scope(dict(self.variables), dict(self.constants), list(self.indices),
                    self.params, self.returns, self.depth - 1, self.loop, self.allow_return)
        for key, value in changes.items():
            setattr(new, key, value)
        return new

    def of_kind(self, kind: str) -> list:
        return [v for v, k in {**self.constants, **self.variables}.items() if k == kind]

    def has_arrays(self) -> bool:
        return bool(self.of_kind(A))


@dataclass
class Stmt:
    lines: list            # source lines, indented relative to the block
    jumps: bool = False    # may skip the statements after it (break/continue/return)
    defines: dict = field(default_factory=dict)   # names it surely binds -> kind


def indent(lines: list, by: int = 1) -> list:
    return [("    " * by + line) if line else line for line in lines]


# ---------------------------------------------------------------- the writer


class Writer:
    """Draws one program; every choice goes through hypothesis so it can shrink."""

    def __init__(self, draw, hole: bool = False):
        self.draw = draw
        self.helpers: list = []
        self.container_helpers: list = []
        self.layers = False    # the module defines LAYERS, matrices of different shapes
        self.counter = itertools.count()
        self.shape = None
        self.want_hole = hole
        self.in_main = False
        self.pair_kinds = (S, S)
        self.uses_apply_to = False
        self.decorators: set = set()   # the decorators the module's helpers use
        self.draws = False             # f draws random numbers from `rng`
        self.shuffles = False          # and shuffles the index array `order`
        self.draw_helpers: set = set()  # "function", "method": module code that draws
        self.global_draws: set = set()  # "generator", "object": drawn from module values

    # ------------------------------------------------------------ choices

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, percent: int) -> bool:
        """True with roughly `percent`% probability; shrinks towards False."""
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def count(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def fresh(self, stem: str = "v") -> str:
        return f"{stem}{next(self.counter)}"

    def any_kind(self, scope: Scope) -> str:
        return self.pick([S, A]) if scope.has_arrays() else S

    # ------------------------------------------------------------ expressions

    def expr(self, scope: Scope, kind: str, depth: int, leaf: bool = True) -> str:
        """An expression of `kind`. `leaf=False` forbids a bare name at the top, so
        that an array assigned from it never aliases another variable."""
        options = ["leaf"] if leaf else []
        if depth > 0 or not options:
            depth = max(depth, 1)
            options += ["arith"] * 4 + ["np_unary"] * 2 + ["pow", "div", "log_sqrt",
                                                            "neg", "exp", "comprehension"]
            if kind == A:
                options += ["matmul"]
                if len(self.shape) == 2:
                    options += ["row_broadcast"]
            if kind == S:
                options += ["math"] * 2 + ["ifexp"]
                if scope.has_arrays():
                    options += ["reduce"] * 2
            if self.callable_helpers(scope, kind):
                options += ["call"] * 2
        what = self.pick(options)
        return getattr(self, "expr_" + what)(scope, kind, depth - 1)

    def expr_leaf(self, scope, kind, depth):
        if kind == A:
            return self.pick(scope.of_kind(A))
        names = scope.of_kind(S)
        options = names * 3 + list(CONSTANTS[:3])
        options += [f"({c} * {i})" for i in scope.indices for c in ("0.1", "0.25")]
        first, last = ("0", "-1") if len(self.shape) == 1 else ("0, 1", "-1, 0")
        options += [f"{a}[{i}]" for a in scope.of_kind(A) for i in (first, last)]
        return self.pick(options)

    def side_kinds(self, scope, kind):
        if kind == S:
            return S, S
        other = self.any_kind(scope)
        return self.pick([(A, other), (other, A)])

    def expr_arith(self, scope, kind, depth):
        left_kind, right_kind = self.side_kinds(scope, kind)
        op = self.pick("+-*")
        return f"({self.expr(scope, left_kind, depth)} {op} " \
               f"{self.expr(scope, right_kind, depth)})"

    def expr_matmul(self, scope, kind, depth):
        # MIX is square in the last axis: the product keeps the array's shape
        operand = self.expr(scope, A, depth)
        return self.pick([f"({operand} @ MIX)", f"np.dot({operand}, MIX)"])

    def expr_row_broadcast(self, scope, kind, depth):
        """An array with a one-row value that broadcasts against it: the row's
        adjoint comes broadcast beyond its shape, and a product or an elementwise
        operation making the row sums it back (templates.fits_seed)."""
        rows = [f"(({self.expr(scope, A, depth)})[:1] @ MIX)",
                f"np.dot(({self.expr(scope, A, depth)})[-1:], MIX)",
                f"(({self.expr(scope, A, depth)})[:1] * ({self.expr(scope, A, depth)})[1:])",
                f"(({self.expr(scope, A, depth)})[:1] / 2.0)"]
        row = self.pick(rows)
        array = self.expr(scope, A, depth)
        op = self.pick("+-*")
        return self.pick([f"({array} {op} {row})", f"({row} {op} {array})"])

    def expr_neg(self, scope, kind, depth):
        return f"(-{self.expr(scope, kind, depth)})"

    def expr_np_unary(self, scope, kind, depth):
        return f"{self.pick(NP_UNARY)}({self.expr(scope, kind, depth)})"

    def expr_math(self, scope, kind, depth):
        return f"{self.pick(MATH_UNARY)}({self.expr(scope, S, depth)})"

    def expr_exp(self, scope, kind, depth):
        inner = self.expr(scope, kind, depth)
        lib = self.pick(["np", "math"]) if kind == S else "np"
        squash = self.pick(["tanh", "sin", "scaled"])
        inner = f"(0.5 * {inner})" if squash == "scaled" else f"{lib}.{squash}({inner})"
        return f"{lib}.exp({inner})"

    def expr_log_sqrt(self, scope, kind, depth):
        inner = self.expr(scope, kind, depth)
        lib = self.pick(["np", "math"]) if kind == S else "np"
        return self.pick([f"{lib}.log(1.0 + {inner} ** 2)",
                          f"{lib}.sqrt(1.0 + {inner} ** 2)",
                          f"{lib}.log(2.0 + {lib}.cos({inner}))"])

    def expr_pow(self, scope, kind, depth):
        inner = self.expr(scope, kind, depth)
        if self.chance(60):
            return f"({inner} ** {self.pick([2, 3])})"
        # a positive base for non-integer or negative powers
        return f"((1.5 + np.cos({inner})) ** {self.pick(['-1', '-2', '0.5', '1.5'])})"

    def expr_div(self, scope, kind, depth):
        numerator = self.expr(scope, kind, depth)
        form = self.pick(["square", "constant", "sine"])
        if form == "constant":
            return f"({numerator} / {self.pick(['2.0', '3.0', '-1.5'])})"
        denominator = self.expr(scope, self.pick([S, kind]), depth)
        if form == "square":
            return f"({numerator} / ({self.pick(['1.0', '2.0'])} + {denominator} ** 2))"
        return f"({numerator} / (2.0 + np.sin({denominator})))"

    def expr_reduce(self, scope, kind, depth):
        reduction = self.pick(["np.sum", "np.mean"])
        if self.chance(25):
            a, b = self.expr(scope, A, depth), self.expr(scope, self.any_kind(scope), depth)
            return f"{reduction}({a} * {b})"
        return f"{reduction}({self.expr(scope, A, depth)})"

    def expr_ifexp(self, scope, kind, depth):
        # scalars only: an array picked by a conditional expression could alias
        return f"({self.expr(scope, S, depth)} if {self.condition(scope, depth)} " \
               f"else {self.expr(scope, S, depth)})"

    def expr_call(self, scope, kind, depth):
        return self.call(scope, self.pick(self.callable_helpers(scope, kind)), depth)

    def call(self, scope, helper, depth):
        args = [self.expr(scope, k, depth) for k in helper.params]
        if helper.has_default and self.chance(50):
            value = self.expr(scope, S, depth)
            args.append(self.pick([value, f"c={value}"]))
        return f"{helper.name}({', '.join(args)})"

    def expr_comprehension(self, scope, kind, depth):
        index = self.fresh("j")
        inner = scope.child(depth=scope.depth)
        inner.indices.append(index)
        item = self.expr(inner, kind, depth)
        count = self.count(1, 3)
        if self.chance(50):
            return f"sum([{item} for {index} in range({count})])"
        return f"sum({item} for {index} in range({count}))"

    def callable_helpers(self, scope: Scope, kind: str) -> list:
        return [h for h in self.helpers
                if h.returns == kind and (A not in h.params or scope.has_arrays())]

    def condition(self, scope: Scope, depth: int = 1) -> str:
        options = ["compare", "compare", "constant"]
        if scope.indices:
            options.append("index")
        if depth > 0:
            options.append("compound")
        form = self.pick(options)
        op = self.pick([">", "<", ">=", "<="])
        if form == "compare":
            return f"{self.expr(scope, S, depth)} {op} {self.expr(scope, S, depth)}"
        if form == "constant":
            return f"{self.expr(scope, S, depth)} {op} {self.pick(['0.0', '0.5', '-0.3'])}"
        if form == "index":
            i = self.pick(scope.indices)
            return self.pick([f"{i} % 2 == 0", f"{i} > 1", f"{i} == 1"])
        first, second = self.condition(scope, 0), self.condition(scope, 0)
        return self.pick([f"{first} and {second}", f"{first} or {second}", f"not {first}"])

    # ------------------------------------------------------------ statements

    def block(self, scope: Scope, low: int, high: int, first: list = ()) -> Stmt:
        """Statements of a block; `first` are lines to put at its start."""
        lines, jumped, defines = list(first), False, {}
        for _ in range(self.count(low, high)):
            stmt = self.statement(scope)
            lines += stmt.lines
            for var, kind in stmt.defines.items():
                scope.variables[var] = kind
                if not jumped:
                    defines[var] = kind
            jumped = jumped or stmt.jumps
        if self.want_hole and self.in_main and self.chance(30):
            # between two statements of this block, not inside one nor before an else
            boundaries = [i for i, line in enumerate(lines) if not line.startswith(
                (" ", "else:", "elif "))] + [len(lines)]
            lines.insert(self.pick(boundaries), HOLE)
            self.want_hole = False
        return Stmt(lines or ["pass"], jumped, defines)

    def statement(self, scope: Scope) -> Stmt:
        options = ["assign"] * 3 + ["tuple", "local_function", "list_pop", "collections"]
        if scope.has_arrays():  # writes that aliasing must not lose (issue 17)
            options += ["copy_then_write", "view_then_write", "augmented_alias",
                        "ping_pong", "out_buffers"]
        if self.in_main:
            options.append("draw")
            if scope.has_arrays():
                options.append("shuffle")
        if self.callable_helpers(scope, "pair"):
            options.append("unpack_call")
        if self.updatable(scope):
            options += ["reassign"] * 2 + ["augassign"] * 2
        if scope.depth > 0:
            options += ["if"] * 2 + ["for"] * 2 + ["while"]
            if any(k == A for k in scope.variables.values()) and len(self.shape) == 1:
                options.append("for_elements")
        if scope.loop:
            options += ["jump"] * 2
            if len([v for v, k in scope.variables.items() if k == A]) >= 2:
                options.append("rotate_then_write")
        if self.layers and scope.has_arrays():
            options += ["layers"] * 3
        if self.usable_container_helpers(scope):
            options += ["container_calls"] * 3
        if scope.allow_return:
            options.append("early_return")
        return getattr(self, "stmt_" + self.pick(options))(scope)

    def updatable(self, scope: Scope) -> list:
        return sorted(scope.variables)

    def carried_update(self, outer: Scope, inner: Scope) -> str:
        """An assignment that carries state from one loop iteration to the next."""
        names = self.updatable(outer)
        if not names:
            return f"{self.fresh()} = {self.squashed(inner, None, S)}"
        carried = self.pick(names)
        return f"{carried} = {self.squashed(inner, carried, outer.variables[carried])}"

    def value(self, scope: Scope, kind: str, depth: int = 2) -> str:
        return self.expr(scope, kind, depth, leaf=kind == S)

    def squashed(self, scope: Scope, target: str | None, kind: str) -> str:
        """A bounded new value for `target` (None: a new name) inside a loop."""
        inner = self.expr(scope, kind, 2)
        form = self.pick(["tanh", "mix", "sin"] if target else ["tanh", "sin"])
        lib = self.pick(["np", "math"]) if kind == S else "np"
        if form == "mix":
            return f"0.5 * {target} + 0.5 * {lib}.tanh({inner})"
        return f"{lib}.{form}({inner})"

    def stmt_assign(self, scope):
        kind = self.any_kind(scope)
        var = self.fresh()
        value = self.squashed(scope, None, kind) if scope.loop else self.value(scope, kind)
        return Stmt([f"{var} = {value}"], defines={var: kind})

    def stmt_local_function(self, scope):
        """A nested def or a lambda over the enclosing variables, then a call of it,
        directly or through the module's `apply_to` (which gets the function)."""
        kind = self.any_kind(scope)
        name, param, target = self.fresh("g"), self.fresh("u"), self.fresh()
        inner = scope.child(loop=False, allow_return=False)
        inner.variables[param] = kind
        body = self.expr(inner, kind, 2, leaf=False)
        if self.chance(50):
            lines = [f"{name} = lambda {param}: {body}"]
        else:
            lines = [f"def {name}({param}):", f"    return {body}"]
        argument = self.expr(scope, kind, 1, leaf=kind == S)
        call = f"apply_to({name}, {argument})" if self.chance(40) else f"{name}({argument})"
        self.uses_apply_to = self.uses_apply_to or call.startswith("apply_to")
        return Stmt(lines + [f"{target} = {call}"], defines={target: kind})

    def stmt_copy_then_write(self, scope):
        """An arithmetic copy, an element of it written, then read with its source:
        `c = a + 0.0; c[0] = c[0] * 1.5` (c must not become an alias of a), also
        through a view a call returns (`w = c.reshape(-1); w[0] = ...`)."""
        source = self.pick(scope.of_kind(A))
        copy, target = self.fresh("c"), self.fresh()
        form = self.pick(["+ 0.0", "* 1.0", "- 0.0", "/ 1.0"])
        index = self.pick(["0", "-1", ":1"])
        if self.chance(40):  # written through a view a call returns, then the view read
            view = self.fresh("w")
            return Stmt([f"{copy} = {source} {form}",
                         f"{view} = " + self.pick([f"{copy}.reshape(-1)", f"np.ravel({copy})",
                                                   f"{copy}.astype(float, copy=False)"]),
                         f"{view}[{index}] = {view}[{index}] * {self.pick(CONSTANTS)}",
                         f"{target} = np.tanh({source} * np.reshape({view}, np.shape({source})))"],
                        defines={target: A})
        index = self.pick([index, "[0, 0]"])
        if self.chance(30):  # a copy of a container's item: `c = pair[0] + 0.0`
            pair = self.fresh("pair")
            return Stmt([f"{pair} = ({source}, 1.0)", f"{copy} = {pair}[0] {form}",
                         f"{copy}[{index}] = {copy}[{index}] * {self.pick(CONSTANTS)}",
                         f"{target} = np.tanh({pair}[0] * {copy})"], defines={target: A})
        return Stmt([f"{copy} = {source} {form}",
                     f"{copy}[{index}] = {copy}[{index}] * {self.pick(CONSTANTS)}",
                     f"{target} = np.tanh({source} * {copy})"], defines={target: A})

    def stmt_view_then_write(self, scope):
        """A view read before its base is written (the view is dead by then)."""
        base, view, total, target = (self.fresh(stem) for stem in ("z", "w", "v", "v"))
        source = self.pick(scope.of_kind(A))
        view_of = self.pick([f"{base}[:1]", f"{base}.T", f"{base}[0]", f"{base}.reshape(-1)"])
        value = self.expr(scope, S, 1)
        return Stmt([f"{base} = {source} * 1.0", f"{view} = {view_of}",
                     f"{total} = np.tanh(np.sum({view}))",
                     f"{base}[-1] = np.tanh({value}) * {total}",
                     f"{target} = {base} * 0.5"], defines={total: S, target: A})

    def stmt_augmented_alias(self, scope):
        """`z = a; z += e` where nothing reads a again: a rebinding of z."""
        fresh, alias = self.fresh("a"), self.fresh()
        operand = self.expr(scope, self.any_kind(scope), 1)
        return Stmt([f"{fresh} = {self.squashed(scope, None, A)}", f"{alias} = {fresh}",
                     f"{alias} += 0.5 * np.tanh({operand})"], defines={alias: A})

    def stmt_rotate_then_write(self, scope):
        """A new array each iteration, an element of it written, then names rotated
        (`prev, cur = cur, nxt`, a leapfrog step): the arrays of earlier iterations
        stay with other names, which a write into the new one must not reach."""
        older, newer = self.draw(st.permutations(
            sorted(v for v, k in scope.variables.items() if k == A)))[:2]
        new, index = self.fresh("n"), self.pick(["0", "-1"])
        return Stmt([f"{new} = {self.squashed(scope, None, A)}",
                     f"{new}[{index}] = {new}[{index}] * {self.pick(CONSTANTS)}",
                     f"{older}, {newer} = {newer}, {new}"], defines={new: A})

    def stmt_ping_pong(self, scope):
        """Two buffers written in turn and swapped each step: each name may hold
        either array, never the same one as the other (checked as the write runs)."""
        first, second, target = self.fresh("pa"), self.fresh("pb"), self.fresh()
        step = self.fresh("j")
        source = self.expr(scope, A, 1)
        value = f"np.tanh({first}[0] * {self.pick(CONSTANTS)} + {self.expr(scope, S, 1)})"
        return Stmt([f"{first} = {source} * 1.0", f"{second} = {source} * 0.5",
                     f"for {step} in range({self.count(1, 3)}):",
                     f"    {second}[0] = {value}",
                     f"    {first}, {second} = {second}, {first}",
                     f"{target} = np.tanh({first} - {second})"], defines={target: A})

    def stmt_list_pop(self, scope):
        """Items taken from a list at an index, `q.pop(0)`, and one left in it."""
        queue, first, second, target = (self.fresh(stem) for stem in ("q", "v", "v", "v"))
        items = ", ".join(self.expr(scope, S, 1) for _ in range(3))
        return Stmt([f"{queue} = [{items}]",
                     f"{first} = {queue}.pop({self.pick(['0', '1', '-2', '-1'])})",
                     f"{second} = {queue}.pop(0)",
                     f"{target} = np.tanh({first} * 0.5 + {second} - {queue}[0] * 0.25)"],
                    defines={target: S})

    def stmt_collections(self, scope):
        """Lists and dicts as ported code uses them: NumPy functions of a list built
        by append, a list rotated by slices, a dict copied then written, a dict
        comprehension, a log-space table starting at -inf, rows of a table read
        while another row is written."""
        target, values = self.fresh(), [self.expr(scope, S, 1) for _ in range(3)]
        form = self.pick(["appended", "rotated", "dicts", "log_space", "table"])
        if form == "appended":
            items, index = self.fresh("items"), self.fresh("j")
            count = self.count(1, 3)
            weights = ", ".join(self.pick(CONSTANTS) for _ in range(count))
            lines = [f"{items} = []", f"for {index} in range({count}):",
                     f"    {items}.append(np.tanh({values[0]}) * ({index} + 0.5))",
                     f"{target} = np.tanh(np.mean({items}) + np.dot({items}, [{weights}]) "
                     f"* 0.5 + np.max({items}))"]
        elif form == "rotated":
            queue = self.fresh("q")
            lines = [f"{queue} = [{', '.join(values)}]",
                     f"{queue} = {queue}[1:] + {queue}[:1]",
                     f"{target} = np.tanh({queue}[0] * {self.pick(CONSTANTS)} + "
                     f"{queue}[2] * {queue}[1])"]
        elif form == "dicts":
            table, copied, scaled = self.fresh("d"), self.fresh("d"), self.fresh("d")
            key, value = self.fresh("k"), self.fresh("u")
            lines = [f"{table} = {{'a': {values[0]}, 'b': {values[1]}}}",
                     f"{copied} = {table}.copy()",
                     f"{copied}['a'] = {copied}['a'] * {self.pick(CONSTANTS)}",
                     f"{scaled} = {{{key}: {value} * {self.pick(CONSTANTS)} "
                     f"for {key}, {value} in {copied}.items()}}",
                     f"{target} = np.tanh({scaled}['a'] + {scaled}['b'] * {table}['a'])"]
        elif form == "log_space":
            logs = self.fresh("lt")
            lines = [f"{logs} = np.full(3, -np.inf)", f"{logs}[0] = np.tanh({values[0]})",
                     f"{logs}[2] = np.logaddexp({logs}[1], {logs}[2])",
                     f"{target} = np.tanh(np.logaddexp({logs}[0], {logs}[2]) + "
                     f"np.logaddexp.reduce({logs}))"]
        else:
            rows, row = self.fresh("m"), self.fresh("r")
            lines = [f"{rows} = np.zeros((2, 2))", f"{rows}[0, 0] = {values[0]}",
                     f"{rows}[0, 1] = {values[1]}", f"{row} = {rows}[0]",
                     f"{rows}[1, 0] = np.sum({row} * np.tanh({values[2]}))",
                     f"{target} = np.tanh(np.sum({rows} * {rows}) * 0.3)"]
        return Stmt(lines, defines={target: S})

    def stmt_out_buffers(self, scope):
        """NumPy calls writing into a buffer they are given (`out=`, np.copyto,
        np.subtract.at, np.fill_diagonal, np.put, np.putmask, .sort())."""
        buffer, target = self.fresh("buf"), self.fresh()
        source = self.pick(scope.of_kind(A))
        alternate = f"np.arange(np.size({buffer})).reshape(np.shape({buffer})) % 2 == 0"
        writes = [[f"np.multiply({source}, {self.pick(CONSTANTS)}, out={buffer})"],
                  [f"np.copyto({buffer}, np.sin({source}))"],
                  [f"np.subtract.at({buffer}, [0, -1, 0], np.sum(np.sin({source})))"],
                  [f"np.put({buffer}, [-1, 0, -1], np.cos({source}))"],
                  [f"np.copyto({buffer}, {source})",
                   f"np.putmask({buffer}, {alternate}, np.tanh({source}) * 2.0)"],
                  [f"np.copyto({buffer}, {source} * 1.5)", f"{buffer}.sort(axis=0)"]]
        if len(self.shape) == 2:
            writes.append([f"np.copyto({buffer}, {source})",
                           f"np.fill_diagonal({buffer}, np.cos({source}).ravel()[0])"])
        lines = [f"{buffer} = np.zeros_like({source})", *self.pick(writes),
                 f"np.add({buffer}, np.tanh({self.expr(scope, A, 1)}), out={buffer})",
                 f"{target} = np.tanh({buffer})"]
        return Stmt(lines, defines={target: A})

    def stmt_draw(self, scope):
        """A random draw from a generator f seeds itself: the derivative's reruns
        (a loop's, a helper's) must see the same numbers. Drawn in f (also from
        NumPy's global generator, seeded there: np.random.seed), after a draw
        nothing reads (still drawn), by a helper two calls down, or by the method of
        an object that holds the generator (found only when it runs), from a
        module-level generator or a module-level object holding one (f seeds it);
        or from a distribution whose parameters carry derivatives
        (`rng.normal(mu, sigma)`)."""
        self.draws = True
        kind = self.any_kind(scope)
        target = self.fresh()
        value = self.squashed(scope, None, kind)
        how = self.pick(["inline", "unused first", "function", "method", "parameters",
                         "seeded global", "module generator", "module object"])
        if how == "module object":
            self.draw_helpers.add("method")
            self.global_draws.add("object")
            return Stmt([f"{target} = JITTER.apply({value})"], defines={target: kind})
        if how == "parameters":  # the distribution's own parameters carry derivatives
            spread = self.squashed(scope, None, kind)
            family = self.pick([f"rng.normal({value}, 1.0 + 0.25 * np.tanh({spread}))",
                                f"rng.uniform({value}, {value} + 1.5 + np.sin({spread}))"])
            return Stmt([f"{target} = {family}"], defines={target: kind})
        if how in ("function", "method"):
            self.draw_helpers.add(how)
            call = f"jittered(rng, {value})" if how == "function" else \
                f"jitter.apply({value})"
            return Stmt([f"{target} = {call}"], defines={target: kind})
        source = "rng.rand"
        if how == "module generator":
            self.global_draws.add("generator")
            source = "GLOBAL_RS.rand"
        if how == "seeded global":  # np.random.seed here: a loop's rerun seeds again
            source = self.pick(["np.random.rand", "np.random.sample"])
        noise = f"{source}()" if kind == S else \
            f"{source}({', '.join(str(n) for n in self.shape)})"
        if source == "np.random.sample" and kind != S:
            noise = f"{source}({self.shape})"
        lines = [f"{self.fresh('unused')} = rng.rand()"] if how == "unused first" else \
            [f"np.random.seed({self.pick([0, 7])})"] if how == "seeded global" else []
        return Stmt(lines + [f"{target} = {value} * (0.75 + 0.5 * {noise})"],
                    defines={target: kind})

    def stmt_shuffle(self, scope):
        """`rng.shuffle(order)` changes, in place, the index array that earlier
        gathers (`v[order]`, also through a view of it) read."""
        self.draws = self.shuffles = True
        index = self.pick(["order", "order[::1]"])
        carried = [v for v in self.updatable(scope) if scope.variables[v] == A]
        if carried:  # the permuted value flows on, as a minibatch's does
            var = self.pick(carried)
            return Stmt(["rng.shuffle(order)", f"{var} = 0.5 * {var}[{index}] + 0.5 * "
                         f"{self.squashed(scope, var, A)}"])
        target = self.fresh()
        value = self.squashed(scope, None, A)
        return Stmt(["rng.shuffle(order)", f"{target} = 0.5 * {value} + 0.5 * {value}[{index}]"],
                    defines={target: A})

    def stmt_reassign(self, scope):
        var = self.pick(self.updatable(scope))
        kind = scope.variables[var]
        value = self.squashed(scope, var, kind) if scope.loop else self.value(scope, kind)
        return Stmt([f"{var} = {value}"])

    def stmt_augassign(self, scope):
        var = self.pick(self.updatable(scope))
        kind = scope.variables[var]
        if kind == A and var in scope.params:
            return self.stmt_reassign(scope)   # `p += ...` would change the caller's array
        operand = self.expr(scope, self.any_kind(scope) if kind == A else S, 2)
        if scope.loop:
            form = self.pick([f"{var} += 0.3 * np.tanh({operand})",
                              f"{var} -= 0.2 * np.sin({operand})",
                              f"{var} *= 0.5 + 0.25 * np.cos({operand})"])
        else:
            form = self.pick([f"{var} += {operand}", f"{var} -= {operand}",
                              f"{var} *= {operand}", f"{var} /= (2.0 + np.sin({operand}))"])
        return Stmt([form])

    def stmt_layers(self, scope):
        """`for W in LAYERS: o = np.tanh(l @ W); l = o`: o and l change shape from
        one iteration to the next, and o is read after the loop."""
        start, out, weight, result = self.fresh("l"), self.fresh("o"), self.fresh("W"), \
            self.fresh()
        lines = [f"{start} = {self.expr(scope, A, 2, leaf=False)}",
                 f"for {weight} in LAYERS:",
                 f"    {out} = np.tanh({start} @ {weight})",
                 f"    {start} = {out}"]
        if self.chance(25):
            lines += [f"    if np.sum({out}) > {self.pick(['0.5', '1.0'])}:", "        break"]
        summary = f"{self.pick(['np.sum', 'np.mean'])}({out}{self.pick(['', ' * ' + out])})"
        lines.append(f"{result} = {f'np.tanh({summary})' if scope.loop else summary}")
        return Stmt(lines, defines={result: S})

    def usable_container_helpers(self, scope: Scope) -> list:
        return [h for h in self.container_helpers if A not in h.kinds or scope.has_arrays()]

    def stmt_container_calls(self, scope):
        """`c = [x, y]` (or a dict), then two calls of a helper taking c: the
        gradients of c's items from both calls add up."""
        helper = self.pick(self.usable_container_helpers(scope))
        container, result = self.fresh("c"), self.fresh()
        # new values, not bare names: nothing in f may share an array with c
        items = [self.expr(scope, kind, 1, leaf=False) for kind in helper.kinds]
        literal = f"[{items[0]}, {items[1]}]" if helper.form == "list" else \
            f"{{'w': {items[0]}, 'b': {items[1]}}}"
        calls = [f"{helper.name}({container}, {self.expr(scope, S, 1)})" for _ in range(2)]
        value = f"{calls[0]} {self.pick('+-*')} {calls[1]}"
        if self.chance(30):   # and read here too
            key = "0" if helper.form == "list" else "'w'"
            value += f" + np.sum({container}[{key}])"
        value = f"np.tanh({value})" if scope.loop else value
        return Stmt([f"{container} = {literal}", f"{result} = {value}"],
                    defines={result: S})

    def stmt_unpack_call(self, scope):
        """`a, b = helper(...)` with a helper that returns two values."""
        helper = self.pick(self.callable_helpers(scope, "pair"))
        names = [self.fresh(), self.fresh()]
        call = self.call(scope, helper, 1)
        if scope.loop:   # keep loop-carried values bounded
            return Stmt([f"{names[0]}, {names[1]} = {call}"] +
                        [f"{n} = np.tanh({n})" for n in names],
                        defines=dict(zip(names, helper.pair)))
        return Stmt([f"{names[0]}, {names[1]} = {call}"],
                    defines=dict(zip(names, helper.pair)))

    def stmt_tuple(self, scope):
        existing = self.updatable(scope)
        pairs = [(a, b) for a in existing for b in existing
                 if a != b and scope.variables[a] == scope.variables[b]]
        if pairs and self.chance(50):
            # a, b = b, <new value>: the swap reads b before either is rebound
            a, b = self.pick(pairs)
            kind = scope.variables[a]
            value = self.squashed(scope, a, kind) if scope.loop else self.value(scope, kind)
            return Stmt([f"{a}, {b} = {b}, {value}"])
        kinds = [self.any_kind(scope), self.any_kind(scope)]
        names = [self.fresh(), self.fresh()]
        values = [self.squashed(scope, None, k) if scope.loop else self.value(scope, k)
                  for k in kinds]
        return Stmt([f"{names[0]}, {names[1]} = {values[0]}, {values[1]}"],
                    defines=dict(zip(names, kinds)))

    def stmt_if(self, scope):
        lines = [f"if {self.condition(scope)}:"]
        defines = {}
        first_body, first_else = [], []
        if self.chance(60):   # a new variable that both branches bind
            var, kind = self.fresh(), self.any_kind(scope)
            first_body = [f"{var} = {self.value(scope, kind)}"]
            first_else = [f"{var} = {self.value(scope, kind)}"]
            defines[var] = kind
        body = self.block(scope.child(), 0 if first_body else 1, 2, first_body)
        lines += indent(body.lines)
        jumps = body.jumps
        if first_else or self.chance(60):
            if self.chance(25) and not first_else:
                lines.append(f"elif {self.condition(scope)}:")
                elif_body = self.block(scope.child(), 1, 2)
                lines += indent(elif_body.lines)
                jumps = jumps or elif_body.jumps
            orelse = self.block(scope.child(), 0 if first_else else 1, 2, first_else)
            lines += ["else:"] + indent(orelse.lines)
            jumps = jumps or orelse.jumps
        return Stmt(lines, jumps, defines)

    def loop_body(self, scope: Scope, index: str | None, first: list = ()) -> Stmt:
        inner = scope.child(loop=True)
        if index:
            inner.indices.append(index)
        body = self.block(inner, 1, 3, first)
        if not body.lines or body.lines == ["pass"] or not self.updates_state(body):
            update = self.carried_update(scope, inner)
            body.lines = [line for line in body.lines if line != "pass"] + [update]
        return body

    @staticmethod
    def updates_state(body: Stmt) -> bool:
        return any("=" in line and not line.lstrip().startswith(("if", "elif", "while"))
                   for line in body.lines)

    def stmt_for(self, scope):
        index = self.fresh("i")
        header = self.pick([f"range({self.count(1, 4)})", f"range(1, {self.count(2, 4)})",
                            f"range({self.count(2, 4)}, 0, -1)"])
        body = self.loop_body(scope, index)
        # names the body surely binds before any jump survive the loop (it runs once
        # at least); the loop index itself does too
        defines = dict(body.defines)
        return Stmt([f"for {index} in {header}:"] + indent(body.lines),
                    self.has_return(body), defines)

    @staticmethod
    def has_return(body: Stmt) -> bool:
        return any(line.lstrip().startswith("return") for line in body.lines)

    def stmt_for_elements(self, scope):
        arrays = [v for v, k in {**scope.variables, **scope.constants}.items() if k == A]
        sequence = self.pick(arrays)
        element = self.fresh("e")
        first, others = [], [a for a in arrays if a != sequence]
        form = self.pick(["plain", "enumerate", "zip"] if others else ["plain", "enumerate"])
        # an array the loop walks is not changed in place in its body (later items
        # would see the change: s2sad refuses that write): `+=` rebinds it instead
        inner_scope = scope.child(depth=scope.depth, params=scope.params | set(arrays))
        index = None
        if form == "enumerate":
            index = self.fresh("i")
            header = f"for {index}, {element} in enumerate({sequence}):"
        elif form == "zip":
            other, partner = self.pick(others), self.fresh("e")
            header = f"for {element}, {partner} in zip({sequence}, {other}):"
            inner_scope.constants[partner] = S
        else:
            header = f"for {element} in {sequence}:"
        inner_scope.constants[element] = S
        body = self.loop_body(inner_scope, index, first)
        return Stmt([header] + indent(body.lines), self.has_return(body))

    def stmt_while(self, scope):
        counter = self.fresh("k")
        bound = self.count(1, 4)
        test = f"{counter} < {bound}"
        if self.chance(30):
            test += f" and {self.condition(scope, 0)}"
        inner = scope.child(loop=True)
        inner.indices.append(counter)
        # the counter goes up first, so that `continue` cannot loop forever
        body = self.block(inner, 1, 3, [f"{counter} += 1"])
        if not self.updates_state(Stmt(body.lines[1:])):
            body.lines.append(self.carried_update(scope, inner))
        lines = [f"{counter} = 0", f"while {test}:"] + indent(body.lines)
        return Stmt(lines, self.has_return(body))

    def stmt_jump(self, scope):
        jump = self.pick(["break", "continue"])
        if self.chance(20):
            return Stmt([jump], jumps=True)
        lines = [f"if {self.condition(scope)}:"]
        if self.updatable(scope) and self.chance(30):
            var = self.pick(self.updatable(scope))
            lines.append(f"    {var} = {self.squashed(scope, var, scope.variables[var])}")
        return Stmt(lines + [f"    {jump}"], jumps=True)

    def stmt_early_return(self, scope):
        if scope.returns == "pair":
            value = ", ".join(self.expr(scope, k, 2, leaf=k == S) for k in self.pair_kinds)
        else:
            value = self.expr(scope, scope.returns, 2, leaf=scope.returns == S)
        return Stmt([f"if {self.condition(scope)}:", f"    return {value}"], jumps=True)

    def final_return(self, scope: Scope, recent: list) -> str:
        if scope.returns == "pair":
            first, second = self.pair_kinds
            return f"return {self.summary(scope, first, recent)}, " \
                   f"{self.expr(scope, second, 2, leaf=second == S)}"
        return f"return {self.summary(scope, scope.returns, recent)}"

    def summary(self, scope: Scope, kind: str, recent: list) -> str:
        """A value of `kind` that depends on the last variables in `recent`."""
        terms = []
        for var in recent[-self.count(1, 3):]:
            var_kind = scope.variables.get(var, scope.constants.get(var))
            if kind == S and var_kind == A:
                terms.append(f"{self.pick(['np.sum', 'np.mean'])}({var})")
            elif kind == A and var_kind == S:
                terms.append(f"{var} * {self.expr(scope, A, 1, leaf=False)}")
            else:
                terms.append(var)
        if self.chance(40) or not terms:
            terms.append(self.expr(scope, kind, 2, leaf=kind == S))
        value = " + ".join(terms)
        if kind == A and all(t in scope.variables for t in terms):
            value = f"1.0 * ({value})"   # never return an argument array itself
        return value

    # ------------------------------------------------------------ functions

    def function(self, name: str, params: list, kinds: list, returns: str,
                 constants: dict, statements: tuple, depth: int,
                 default: bool = False) -> list:
        scope = Scope(dict(zip(params, kinds)), dict(constants), [], set(params), returns,
                      depth)
        if default:
            scope.constants["c"] = S
        body = self.block(scope, *statements)
        recent = [v for v in scope.variables if v not in params] or list(params)
        signature = ", ".join(params + (["c=0.5"] if default else []))
        lines = [f"def {name}({signature}):"] + indent(body.lines)
        lines.append("    " + self.final_return(scope, recent))
        return _spell_out_shared_updates(lines)

    def helper(self, arrays: bool) -> list:
        name = f"h{len(self.helpers)}"
        count = self.count(1, 2)
        kinds = [self.pick([S, A]) if arrays else S for _ in range(count)]
        params = [f"u{i}" for i in range(count)]
        returns = self.pick([S, A, "pair"]) if A in kinds else self.pick([S, "pair"])
        self.pair_kinds = (self.pick([S, A]) if A in kinds else S,
                           self.pick([S, A]) if A in kinds else S)
        default = self.chance(30)
        lines = self.function(name, params, kinds, returns, {}, (0, 3), 1, default)
        decorator = self.decorator(kinds, returns)
        if decorator:
            self.decorators.add(decorator)
            lines = [f"@{DECORATORS[decorator][0]}"] + lines
        self.helpers.append(Helper(name, tuple(kinds), default, returns,
                                   self.pair_kinds if returns == "pair" else ()))
        return lines

    def decorator(self, kinds: list, returns: str) -> str | None:
        """A decorator for a helper, or None: one that changes the value (not of a
        pair), one that forwards the call, or a cache (scalar parameters only)."""
        if not self.chance(30):
            return None
        options = ["forwarded"] + ([] if returns == "pair" else ["scaled"]) + \
            (["cached"] if A not in kinds else [])
        return self.pick(options)

    def container_helper(self, arrays: bool) -> list:
        """`def kc0(ps, u):` reading two values out of the list or dict ps (not g*
        nor k*: f's nested functions and while counters are named so)."""
        name = f"kc{len(self.container_helpers)}"
        kinds = tuple(self.pick([S, A]) if arrays else S for _ in range(2))
        form = self.pick(["list", "dict"])
        reads = ["ps[0]", "ps[1]"] if form == "list" else ["ps['w']", "ps['b']"]
        # a and b are the caller's values: never updated in place
        scope = Scope({"u": S, "a": kinds[0], "b": kinds[1]}, {}, [], {"u", "a", "b"}, S, 1)
        body = self.block(scope, 0, 2, [f"a = {reads[0]}", f"b = {reads[1]}"])
        recent = [v for v in scope.variables if v != "u"]
        lines = [f"def {name}(ps, u):"] + indent(body.lines) + \
            ["    " + self.final_return(scope, recent)]
        self.container_helpers.append(ContainerHelper(name, form, kinds))
        return _spell_out_shared_updates(lines)

    def module(self) -> tuple:
        """(source lines, shapes of f's arguments)."""
        self.shape = self.pick(SHAPES)
        count = self.count(1, 3)
        kinds = [self.pick([S, A]) for _ in range(count)]
        arrays = A in kinds
        lines = ["import math", "", "import numpy as np", "", ""]
        if arrays:
            n = self.shape[-1]
            lines[-1:] = [f"MIX = np.linspace(-0.6, 0.6, {n * n}).reshape({n}, {n})", "", ""]
        constants = {}
        if self.chance(20):
            lines[-1:] = ["OFFSET = 0.25", "", ""]
            constants["OFFSET"] = S
        for _ in range(self.count(0, 2)):
            lines += self.helper(arrays) + ["", ""]
        if self.chance(35):
            lines += self.container_helper(arrays) + ["", ""]
        if arrays and self.chance(35):
            n = self.shape[-1]
            lines[-1:] = [f"LAYERS = [np.linspace(-0.9, 0.9, {n * 4}).reshape({n}, 4), "
                          f"np.linspace(-0.8, 0.7, 8).reshape(4, 2), "
                          f"np.linspace(-0.6, 0.9, {2 * n}).reshape(2, {n})]", "", ""]
            self.layers = True
        if self.decorators:  # their definitions, before the helpers
            start = lines.index("import numpy as np") + 2
            definitions = ["import functools", "", ""]
            for decorator in sorted(self.decorators):
                definitions += DECORATORS[decorator][1] + ["", ""]
            lines[start:start] = definitions
        params = [f"p{i}" for i in range(count)]
        closure = self.chance(20)
        if closure:
            constants["scale"] = S
        self.in_main = True
        main = self.function("f", params, kinds, S, constants, (1, 6), 2)
        self.in_main = False
        if self.draws:  # seeded on each call: f stays a function of its arguments
            main.insert(1, "    rng = np.random.RandomState(5)")
        if "method" in self.draw_helpers:
            main.insert(2, "    jitter = Jitter(rng)")
        if self.shuffles:
            main.insert(2, f"    order = np.arange({self.shape[0]})")
        for helper in sorted(self.draw_helpers):
            lines += DRAW_HELPERS[helper] + ["", ""]
        if self.global_draws:  # f seeds it: f stays a function of its arguments
            lines += ["GLOBAL_RS = np.random.RandomState(11)", "", ""]
            main.insert(1, "    GLOBAL_RS.seed(3)")
        if "object" in self.global_draws:
            lines += ["JITTER = Jitter(GLOBAL_RS)", "", ""]
        if self.uses_apply_to:
            lines += ["def apply_to(function, value):", "    return function(value)", "",
                      ""]
        if self.want_hole:   # no block took it: the start of f's body
            main.insert(1, "    " + HOLE)
        if closure:
            main = ["def make_f(scale):"] + indent(main) + ["    return f", "", "",
                                                          "f = make_f(0.7)"]
        lines += main
        shapes = tuple(self.shape if k == A else () for k in kinds)
        return lines, shapes


# Module code that draws: a function two calls down from f, and a class.
DRAW_HELPERS = {
    "function": [
        "def noise_like(rs, v):",
        "    return 0.75 + 0.5 * rs.rand(*np.shape(v))",
        "",
        "",
        "def jittered(rs, v):",
        "    return v * noise_like(rs, v)"],
    "method": [
        "class Jitter:",
        "    def __init__(self, rs):",
        "        self.rs = rs",
        "",
        "    def apply(self, v):",
        "        return v * (0.75 + 0.5 * self.rs.rand(*np.shape(v)))"],
}

# name: (how a helper is decorated, the decorator's definition or [])
DECORATORS = {
    "scaled": ("scaled", [
        "def scaled(fn):",
        "    @functools.wraps(fn)",
        "    def wrapper(*args, **kwargs):",
        "        return 1.5 * fn(*args, **kwargs)",
        "    return wrapper"]),
    "forwarded": ("forwarded", [
        "def forwarded(fn):",
        "    @functools.wraps(fn)",
        "    def wrapper(*args, **kwargs):",
        "        return fn(*args, **kwargs)",
        "    return wrapper"]),
    "cached": ("functools.lru_cache(maxsize=None)", []),
}


@st.composite
def valid_programs(draw) -> Program:
    lines, shapes = Writer(draw).module()
    return Program("\n".join(lines) + "\n", shapes)


_BARE_COPY = re.compile(r"\s*(\w+) = (\w+)$")
_ROTATION = re.compile(r"\s*(\w+), (\w+) = (\w+), (\w+)$")  # names swapped or rotated
_AUGMENTED = re.compile(r"(\s*)(\w+) ([-+*/])= (.*)$")


def _spell_out_shared_updates(lines: list) -> list:
    """`v += e` becomes `v = v + (e)` for each v that some line binds to a bare name.

    NOT generated: `v = x` ... `v += e`. s2sad rejects that augmented assignment
    even when x is a float, since x might be an array v shares (bug 7 in the report
    of issue #6); nor `u = v` ... `v += e`, refused for the same reason; nor after
    `a, b = b, v`, where a name may then share v's array.
    """
    shared = {name for pattern in (_BARE_COPY, _ROTATION)
              for m in map(pattern.match, lines) if m for name in m.groups()}
    out = []
    for line in lines:
        m = _AUGMENTED.match(line)
        if m and m.group(2) in shared:
            pad, name, op, value = m.groups()
            line = f"{pad}{name} = {name} {op} ({value})"
        out.append(line)
    return out


# ---------------------------------------------------------------- invalid programs

# Each construct: (lines using $p (a parameter), $t (a fresh name) and $a (an array
# parameter); offset of the line s2sad must name; needs an array parameter).
# Every construct binds $t from $p, and $t flows into f's result, so that activity
# analysis cannot legitimately ignore it. No line copies a bare name (`t = p`): that
# would make s2sad refuse an augmented assignment to p elsewhere in f first.
CONSTRUCTS = {
    "try/except": (["try:", "    $t = $p * 2.0", "except ValueError:", "    $t = $p * 1.0"],
                   0),
    "with": (["with np.errstate(all='ignore'):", "    $t = np.log(1.0 + $p * $p)"], 0),
    "yield": (["$t = $p * 2.0", "yield $t"], 1),
    "yield value": (["$t = yield $p"], 0),
    "global write": (["global G_STATE", "G_STATE = $p * 1.0", "$t = G_STATE * 2.0"], 0),
    "nonlocal write": (["nonlocal cell", "cell = $p * 1.0", "$t = cell * 2.0"], 0),
    "del": (["$t = $p * 2.0", "tmp_del = $t * 1.0", "del tmp_del"], 2),
    "class definition": (["class Local:", "    k = 2.0", "$t = $p * Local.k"], 0),
    "lambda passed to a library function": (
        ["$t = $p * np.sum(np.vectorize(lambda u: u * 2.0)(np.ones(2)))"], 0),
    # a tuple display bound once is unpacked into its items; a list is not
    "starred call": (["$t = np.multiply(*[$p, 2.0])"], 0),
    "double-starred call": (["$t = np.multiply($p, **{'out': None})"], 0),
    "set comprehension": (["$t = $p * len({j * 2 for j in range(3)})"], 0),
    "walrus": (["$t = (w_alrus := $p * 2.0) + w_alrus"], 0),
    "set literal": (["$t = $p * len({1.0, 2.0})"], 0),
    "attribute assignment": (["STATE.value = $p * 1.0", "$t = STATE.value * 2.0"], 0),
    "attribute augmented assignment": (["STATE.value += $p", "$t = STATE.value * 2.0"], 0),
    # f itself may write into its arguments (its derivative works on a copy); a helper
    # may not: its derivative would rerun on the changed array
    "helper writes into its argument": (["$a[0] = 1.0", "$t = $p * 2.0"], 0),
    "recursive nested function": (["def inner(u):", "    return inner(u * 0.5)",
                                   "$t = inner($p)"], 1),
    "import": (["import operator", "$t = operator.mul($p, 2.0)"], 0),
    "raise": (["$t = $p * 2.0", "if $t is None:", "    raise ValueError('no')"], 2),
    "for-else": (["$t = $p * 1.0", "for j in range(2):", "    $t = $t * 0.5", "else:",
                  "    $t = $t + 1.0"], 1),
    "while-else": (["$t = $p * 1.0", "j = 0", "while j < 2:", "    j += 1", "else:",
                    "    $t = $t + 1.0"], 2),
    "starred loop target": (["$t = $p * 1.0", "for first, *rest in [(1.0, 2.0)]:",
                             "    $t = $t + first"], 1),
    "match": (["match 1:", "    case 1:", "        $t = $p * 2.0", "    case _:",
               "        $t = $p"], 0),
    "C function without derivative": (["$t = np.fft.hfft($p * np.ones(4))"], 0),
    "function without source": (["$t = no_source($p)"], 0),
    # reverse mode refuses the call of the object, forward mode its construction
    "object made of differentiable values": (["obj = Scaler($p)", "$t = obj(2.0)"], (0, 1)),
    "zip as a value": (["$t = list(zip([$p], [2.0]))[0][0]"], 0),
    # the helper returns one of the arrays it got: the write changes pair_b too
    "write into an item a helper returned": (
        ["pair_b = $a * 2.0", "z_item = last_of([$a, pair_b])", "z_item[0] = 1.0",
         "$t = $p * np.sum(pair_b)"], 2),
    # its result unused, its change to kept_list read: named at the append (PRELUDE_LINE)
    "helper changes a list it is given": (
        ["kept_list = []", "unused_r = recorder(kept_list, $p * 2.0)",
         "$t = kept_list[0] * 1.0"], ()),
    # a constant array read by an adjoint, then scaled in place: named at the `*=`
    "helper scales an array read before": (
        ["kept_mask = np.array([1.0, 2.0])", "used_mask = np.sum($p) * kept_mask",
         "unused_s = scaler_of(kept_mask, 3.0)", "$t = np.sum(used_mask * kept_mask)"], ()),
    # `items += v` on the caller's array, read after: named at the `+=` (PRELUDE_LINE)
    "helper augments an array it is given": (
        ["kept_array = np.array([1.0, 2.0]) * np.sum($p)",
         "unused_a = augmenter(kept_array, np.sum($p))", "$t = np.sum(kept_array) * 1.0"], ()),
}

PRELUDE = {
    "global write": ["G_STATE = 0.0"],
    "attribute assignment": ["import types", "STATE = types.SimpleNamespace(value=0.0)"],
    "attribute augmented assignment": ["import types",
                                       "STATE = types.SimpleNamespace(value=0.0)"],
    "function without source": ["exec('def no_source(u):\\n    return u * 2.0')"],
    "write into an item a helper returned": ["def last_of(items):", "    return items[-1]",
                                             "", ""],
    "helper changes a list it is given": ["def recorder(items, v):", "    items.append(v)",
                                          "    return v", "", ""],
    "helper augments an array it is given": ["def augmenter(items, v):", "    items += v",
                                             "    return v", "", ""],
    "helper scales an array read before": ["def scaler_of(items, c):", "    items *= c",
                                           "    return c", "", ""],
    "object made of differentiable values": [
        "class Scaler:", "    def __init__(self, k):", "        self.k = k", "",
        "    def __call__(self, u):", "        return u * self.k", "", ""],
}

# constructs s2sad names in a line of their PRELUDE: its index there
PRELUDE_LINE = {"helper changes a list it is given": 1,
                "helper augments an array it is given": 1,
                "helper scales an array read before": 1}
NEEDS_ARRAY = {"helper writes into its argument", "write into an item a helper returned"}
# forward mode follows these (a tangent is computed where its operands are read)
REVERSE_ONLY = {"helper scales an array read before"}
# refused when the derivative runs the line, so placed in a helper f calls first
# (in f, an early return before it could skip it)
ONLY_IN_HELPER = {"helper writes into its argument", "object made of differentiable values",
                  "write into an item a helper returned", "helper augments an array it is given",
                  "helper scales an array read before"}


@st.composite
def invalid_programs(draw) -> Program:
    construct = draw(st.sampled_from(sorted(CONSTRUCTS)))
    template, offsets = CONSTRUCTS[construct]
    offsets = offsets if isinstance(offsets, tuple) else (offsets,)
    in_helper = construct in ONLY_IN_HELPER or \
        construct != "nonlocal write" and draw(st.integers(0, 99)) < 20
    writer = Writer(draw, hole=not in_helper)
    lines, shapes = writer.module()
    mapping = {"p": "p0", "t": "bad", "a": "p0" if in_helper else "q"}
    if construct in NEEDS_ARRAY and not in_helper:
        # an extra array parameter `q` that nothing else touches
        f_line = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def f("))
        lines[f_line] = lines[f_line].replace("):", ", q):")
        shapes += (writer.shape,)
    chunk = [string.Template(line).substitute(mapping) for line in template]
    prelude = PRELUDE.get(construct, [])
    main_start = lines.index(next(line for line in lines
                                  if line.lstrip().startswith(("def f(", "def make_f("))))
    if construct == "nonlocal write":
        _make_closure(lines, main_start)
        main_start = lines.index("def make_f(scale):")
    if in_helper:
        # a helper with the construct, called from the start of f with f's argument
        helper = ["def bad_helper(p0):"] + indent(chunk) + ["    return bad", "", ""]
        def_line = next(i for i in range(main_start, len(lines))
                        if lines[i].lstrip().startswith("def f("))
        call_indent = lines[def_line][:len(lines[def_line]) - len(lines[def_line].lstrip())]
        lines.insert(def_line + 1, call_indent + "    bad = bad_helper(p0)")
        lines[main_start:main_start] = helper
        bad_indices = [main_start + offset + 1 for offset in offsets]
    else:
        hole = next(i for i, line in enumerate(lines) if line.strip() == HOLE)
        pad = lines[hole][:len(lines[hole]) - len(lines[hole].lstrip())]
        lines[hole:hole + 1] = [pad + line for line in chunk]
        bad_indices = [hole + offset for offset in offsets]
    lines[main_start:main_start] = prelude + ([""] if prelude else [])
    shift = len(prelude) + (1 if prelude else 0)
    _add_to_result(lines, main_start)
    in_prelude = tuple(main_start + PRELUDE_LINE[construct] + 1
                       for _ in range(construct in PRELUDE_LINE))
    return Program("\n".join(lines) + "\n", shapes, construct=construct,
                   bad_lines=tuple(index + shift + 1 for index in bad_indices) + in_prelude)


def _make_closure(lines: list, main_start: int) -> None:
    """Wrap f in `def make_f(scale): cell = 0.0; def f...` unless it already is."""
    if lines[main_start].startswith("def make_f("):
        lines.insert(main_start + 1, "    cell = 0.0")
        return
    end = next((i for i in range(main_start + 1, len(lines))
                if lines[i] and not lines[i].startswith(" ")), len(lines))
    body = lines[main_start:end]
    lines[main_start:end] = ["def make_f(scale):", "    cell = 0.0"] + indent(body) + \
        ["    return f", "", "", "f = make_f(0.7)"]


def _add_to_result(lines: list, main_start: int) -> None:
    """Make f's final return also depend on `bad`."""
    def_line = next(i for i in range(main_start, len(lines))
                    if lines[i].lstrip().startswith("def f("))
    depth = len(lines[def_line]) - len(lines[def_line].lstrip())
    last = max(i for i in range(def_line, len(lines))
               if lines[i].startswith(" " * (depth + 4) + "return ")
               and not lines[i].startswith(" " * (depth + 5)))
    lines[last] = lines[last] + " + 0.1 * np.sum(bad)"
