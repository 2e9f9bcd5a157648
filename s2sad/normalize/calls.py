"""Inlining: calls whose callee is only known inside the differentiated function.

s2sad differentiates through every Python function whose source it can reach.
Most calls keep their shape: `y = helper(x)` for a module-level `helper` gets a
derivative of its own (reverse/calls.py, forward.py). The calls below are inlined
instead, because a derivative of the callee alone could not know what they know:

- a nested `def` or a `lambda` in the body: it reads the enclosing function's
  variables (a closure), whose derivatives live in the enclosing function;
- a function called with a function as an argument (`apply_twice(lambda t: ...,
  x)`), or whose parameter defaults to one (`nonlinearity=np.tanh`): which
  function the parameter holds is known at the call only;
- a module-level lambda, which has no name of its own for a derivative.

Inlining binds the callee's parameters to the call's operands, renames the
callee's own variables apart from the caller's, lowers its `return`s to a result
variable (jumps.py), and normalizes its body in place of the call. Function
values themselves never reach the generated code: a name bound to a function
(`act = np.tanh`, a parameter given `lambda t: t * w`) is an alias that calls go
through.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from dataclasses import dataclass, field

import gast
import numpy as np

from .. import syntax, varargs
from ..errors import UnsupportedSyntaxError
from ..libraries import is_installed
from ..parsing import parse_function
from .function_arguments import spell_out_function_arguments
from .jumps import lower_jumps

_LITERALS = (int, float, bool, str, type(None))


@dataclass
class LocalFunction:
    """A function to inline: its definition (a lambda as a `def`), the operands
    its defaults were evaluated to, and where its source lives."""

    node: gast.FunctionDef
    defaults: dict = field(default_factory=dict)   # parameter -> atom
    filename: str = ""
    func: object = None            # the live function, for module-level ones

    @property
    def label(self) -> str:
        name = self.node.name
        return "a lambda" if name.startswith("lambda_") else f"the function '{name}'"


@dataclass
class Partial:
    """`functools.partial(f, a, k=b)`: f (an alias target) with leading operands."""

    target: object                 # LocalFunction or a global reference expression
    args: list
    keywords: dict


def is_function_value(value) -> bool:
    """A callable that is not a class or an array: a function given as data."""
    if isinstance(value, (np.ndarray, type)) or not callable(value):
        return False
    return inspect.isroutine(value) or isinstance(value, (np.ufunc, functools.partial))


def has_user_source(func) -> bool:
    """A plain Python function defined outside the standard library, installed
    packages (libraries.py draws the line) and s2sad: one s2sad walks into."""
    return inspect.isfunction(func) and not is_installed(func) and \
        not (func.__module__ or "").startswith("s2sad.")


def lambda_as_def(node: gast.Lambda, name: str) -> gast.FunctionDef:
    ret = gast.copy_location(syntax.return_(node.body), node)
    definition = gast.FunctionDef(name=name, args=node.args, body=[ret], decorator_list=[],
                                  returns=None, type_comment=None, type_params=[])
    return gast.copy_location(definition, node)


class Inliner:
    """The part of normalization (anf.ANF) that knows about function values."""

    def __init__(self, anf):
        self.anf = anf
        self.functions = {}     # name -> LocalFunction | Partial | global reference expr
        self.active = []        # functions being inlined, innermost last (recursion)

    # ------------------------------------------------------------ definitions

    def define(self, name: str, node: gast.FunctionDef, out: list) -> None:
        """A nested `def` (or a lambda) named `name`: evaluate its defaults now, as
        Python does, and remember it for the calls."""
        anf = self.anf
        if node.decorator_list:
            raise anf.unsupported(node, "a decorated nested function",
                                  "apply the decorator's effect by hand, or define the "
                                  "function at module level.")
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = {}
        for param, default in zip(positional[len(positional) - len(args.defaults):],
                                  args.defaults):
            defaults[param.id] = self.default_value(default, out)
        for param, default in zip(args.kwonlyargs, args.kw_defaults):
            if default is not None:
                defaults[param.id] = self.default_value(default, out)
        self.functions[name] = LocalFunction(node, defaults, anf.filename)

    def default_value(self, node: gast.expr, out: list) -> gast.expr:
        """A default's value as the definition sees it (`lambda v, i=i: ...` keeps
        the i of that moment): a variable is copied."""
        atom = self.operand(node, out)
        if isinstance(atom, gast.Name) and atom.id not in self.functions:
            return self.anf.temp(atom, out, stem="default")
        return atom

    def operand(self, node: gast.expr, out: list) -> gast.expr:
        """An atom for `node`; a function value stays an alias, not a variable."""
        reference = self.global_function(node)
        atom = self.anf.atom(node, out)
        if reference is not None and isinstance(atom, gast.Name) and \
                atom.id not in self.functions:
            self.functions[atom.id] = reference
        return atom

    def global_function(self, node: gast.expr):
        """The reference expression if `node` names a function of the namespace."""
        if not self.anf.is_global_reference(node):
            return None
        value = self.anf.parsed.namespace.resolve(node)
        return syntax.clone(node) if is_function_value(value) else None

    def alias(self, target: str, value: gast.expr) -> bool:
        """`target = value` where value is a function: remember, emit nothing.
        Refused when `target` is bound elsewhere too: which function a call then
        meets is only known at run time."""
        if isinstance(value, gast.Name) and value.id in self.functions:
            known = self.functions[value.id]
        else:
            known = self.global_function(value)
            if known is None:
                return False
        self.functions[target] = known
        return True

    # ------------------------------------------------------------ calls

    def callee(self, func: gast.expr):
        """What a call's function expression denotes, if inlining applies to it:
        LocalFunction, Partial or a global reference; None otherwise."""
        if isinstance(func, gast.Name) and func.id in self.functions:
            return self.functions[func.id]
        return None

    def should_inline(self, func, args: list, keywords: dict) -> bool:
        """A module-level user function called with a function as an argument, or
        whose defaults hold one, or a lambda: see the module docstring."""
        if not has_user_source(func):
            return False
        if func.__name__ == "<lambda>" or inspect.isgeneratorfunction(func):
            return True
        operands = list(args) + list(keywords.values())
        if any(isinstance(a, gast.Name) and a.id in self.functions for a in operands):
            return True
        defaults = list(func.__defaults__ or ()) + list((func.__kwdefaults__ or {}).values())
        return any(is_function_value(d) for d in defaults)

    def module_function(self, func, called: gast.expr) -> LocalFunction:
        """A module-level function to inline where `called` names it; the name is
        kept, so the derivative notices when it is rebound (rebinding.py)."""
        dotted = syntax.dotted_name(called)
        if dotted is not None:
            self.anf.inlined[dotted] = func
        parsed = parse_function(func)
        node = parsed.node
        self.anf.check_supported_in(node.body, parsed)
        # names the callee reads from its own module: bound by value where the
        # caller's namespace means something else by them
        free = syntax.names_loaded(node.body) - syntax.names_stored(node)
        renamed = {}
        caller = self.anf.parsed.namespace
        for identifier in sorted(free):
            value = parsed.namespace.lookup(identifier, None)
            if value is None:
                continue
            if identifier in self.anf.locals or caller.lookup(identifier, None) is not value:
                fresh = self.anf.names.fresh(identifier + "_")
                caller.closure[fresh] = value
                renamed[identifier] = fresh
        if renamed:
            node = syntax.substitute(node, renamed)
        self.anf.names.reserve(free)
        defaults = {}
        params = node.args.posonlyargs + node.args.args
        values = func.__defaults__ or ()
        for param, value in zip(params[len(params) - len(values):], values):
            defaults[param.id] = self.constant(value, param.id)
        for param, value in (func.__kwdefaults__ or {}).items():
            defaults[param] = self.constant(value, param)
        return LocalFunction(node, defaults, parsed.filename, func)

    def constant(self, value, stem: str) -> gast.expr:
        """An operand denoting the live `value` (a default of a module function)."""
        if type(value) in _LITERALS:
            return syntax.constant(value)
        fresh = self.anf.names.fresh(stem + "_default")
        self.anf.parsed.namespace.closure[fresh] = value
        if is_function_value(value):
            self.functions[fresh] = syntax.name(fresh)
        return syntax.name(fresh)

    def generator(self, iterable: gast.expr):
        """(LocalFunction, call) when a loop iterates over a call of a generator
        function s2sad can read, else None."""
        if not isinstance(iterable, gast.Call):
            return None
        known = self.callee(iterable.func)
        if isinstance(known, LocalFunction):
            has_yield = any(isinstance(n, (gast.Yield, gast.YieldFrom))
                            for n in syntax.walk(known.node.body))
            return (known, iterable) if has_yield else None
        if not self.anf.is_global_reference(iterable.func):
            return None
        value = self.anf.parsed.namespace.resolve(iterable.func)
        if inspect.isgeneratorfunction(value) and has_user_source(value):
            return self.module_function(value, iterable.func), iterable
        return None

    def inline_generator(self, loop: gast.For, function: LocalFunction, call: gast.Call,
                         out: list) -> None:
        """`for t in gen(a): body`: gen's body with each `yield v` replaced by
        `t = v` and the loop body."""
        anf = self.anf
        body = loop.body
        if body and syntax.anno(body[-1], "loop_exit"):
            raise anf.unsupported(loop, "break or return in a loop over a generator",
                                  "collect the generator's items in a list first, or use "
                                  "a flag and let the loop finish.")
        args = [self.operand(a, out) for a in call.args]
        keywords = {k.arg: self.operand(k.value, out) for k in call.keywords}
        for stmt in syntax.statements(body):
            syntax.set_anno(stmt, "filename", anf.filename)

        def at_yields(stmts: list) -> list:
            new = []
            for stmt in stmts:
                value = stmt.value if isinstance(stmt, gast.Expr) else None
                if isinstance(value, gast.Yield):
                    item = value.value if value.value is not None else syntax.constant(None)
                    bind = gast.copy_location(gast.Assign(
                        targets=[syntax.clone(loop.target)], value=item, type_comment=None),
                        stmt)
                    syntax.set_anno(bind, "filename", anf.filename)
                    new += [bind] + syntax.clone(body)
                    continue
                for field in ("body", "orelse"):
                    if isinstance(getattr(stmt, field, None), list) and \
                            not isinstance(stmt, gast.FunctionDef):
                        setattr(stmt, field, at_yields(getattr(stmt, field)))
                new.append(stmt)
            return new

        self.inline(function, args, keywords, call, out, transform=at_yields)

    def inline(self, function: LocalFunction, args: list, keywords: dict, call: gast.Call,
               out: list, transform=None) -> gast.expr:
        """The body of `function` bound to the operands, appended to `out`; returns
        the atom holding its result. `transform` rewrites the body once renamed."""
        anf = self.anf
        key = id(function.func) if function.func is not None else id(function.node)
        if key in self.active:
            raise anf.unsupported(call, f"a recursive call of {function.label}",
                                  "rewrite the recursion as a loop.")
        function = self.for_arguments(function, len(args))
        bound = self.bind(function, args, keywords, call)
        node = syntax.clone(function.node)
        local = syntax.names_stored(node.body) | set(bound)
        renamed = {v: anf.names.fresh(v) for v in sorted(local)}
        # parameters the body never rebinds read the operand itself, unless a
        # function defined inside may outlive the call (it must see the value bound
        # now, not the caller's variable later)
        closures = any(isinstance(n, (gast.FunctionDef, gast.Lambda))
                       for n in syntax.walk(node.body))
        direct = {} if closures else \
            {p: a for p, a in bound.items() if p not in syntax.names_stored(node.body)
             and not (isinstance(a, gast.Name) and a.id in self.functions)}
        for param in direct:
            renamed.pop(param)
        node.body = syntax.substitute(node.body, {**renamed, **direct})
        for nested in syntax.walk(node.body):  # a def inside: its name is renamed too
            if isinstance(nested, gast.FunctionDef) and nested.name in renamed:
                nested.name = renamed[nested.name]
        anf.locals |= set(renamed.values())
        if transform is not None:
            node.body = transform(node.body)
        for param, operand in bound.items():
            if param in direct:
                continue
            if isinstance(operand, gast.Name) and operand.id in self.functions:
                self.functions[renamed[param]] = self.functions[operand.id]
            else:
                out.append(gast.copy_location(
                    syntax.assign(renamed[param], syntax.clone(operand)), call))
                anf.note_tuple(renamed[param], operand)
        self.active.append(key)
        saved = anf.filename, anf.result_stem
        anf.filename = function.filename
        anf.result_stem = function.node.name.rstrip("_0123456789") + "_result"
        try:
            # max/min(key=), sorted(key=), reduce: as normalize does the function's own
            spell_out_function_arguments(node.body, anf.parsed.namespace, anf.names)
            lower_jumps(node, anf.names)
            body = anf.block(node.body)
        finally:
            anf.filename, anf.result_stem = saved
            self.active.pop()
        if body and isinstance(body[-1], gast.Return):
            result = body.pop().value
        else:
            result = syntax.constant(None)
        out.extend(body)
        return result

    @staticmethod
    def for_arguments(function: LocalFunction, count: int) -> LocalFunction:
        """A function taking `*args` as its version for `count` positional
        arguments (varargs.py), so that `step(rhs, y, b)` binds `args_0` to b and
        the body's `f(y, *args)` becomes `rhs(y, b)`."""
        spec = function.node.args
        if spec.vararg is None or spec.kwarg is not None:
            return function
        node = varargs.with_parameters_for(syntax.clone(function.node), count)
        return dataclasses.replace(function, node=node)

    def bind(self, function: LocalFunction, args: list, keywords: dict, call) -> dict:
        """{parameter: operand} for a call, as Python binds it."""
        spec = function.node.args
        positional = [a.id for a in spec.posonlyargs + spec.args]
        keyword_only = [a.id for a in spec.kwonlyargs]
        name = function.node.name
        if spec.vararg is not None or spec.kwarg is not None:
            raise self.anf.unsupported(call, f"a call of '{name}', which takes **kwargs",
                                       "list the parameters explicitly.")
        if len(args) > len(positional):
            raise self.mismatch(call, name, f"takes {len(positional)} positional "
                                            f"argument(s) but {len(args)} were given")
        bound = dict(zip(positional, args))
        for keyword, operand in keywords.items():
            if keyword in bound or keyword not in positional + keyword_only:
                raise self.mismatch(call, name, f"got an unexpected or repeated "
                                                f"argument '{keyword}'")
            bound[keyword] = operand
        for param in positional + keyword_only:
            if param not in bound:
                if param not in function.defaults:
                    raise self.mismatch(call, name, f"missing the argument '{param}'")
                bound[param] = syntax.clone(function.defaults[param])
        return bound

    def mismatch(self, call, name: str, problem: str) -> UnsupportedSyntaxError:
        return self.anf.unsupported(call, f"a call of '{name}' that {problem}",
                                    "fix the call's arguments.")

    def check_no_function_values(self, body: list) -> None:
        """A nested function or lambda exists only where it is called: refuse any
        other use of it, such as passing it to a library function."""
        locals_ = {n for n, f in self.functions.items() if not isinstance(f, gast.expr)}
        for stmt in syntax.statements(body):
            own = [getattr(stmt, f) for f in ("value", "test", "iter")
                   if getattr(stmt, f, None) is not None] + getattr(stmt, "targets", [])
            used = syntax.names_loaded(own) & locals_
            if used:
                what = self.functions[sorted(used)[0]]
                shown = what.label if isinstance(what, LocalFunction) else \
                    "a functools.partial"
                raise UnsupportedSyntaxError(
                    f"s2sad cannot differentiate {shown} used as a value "
                    f"(in {self.anf.parsed.described}): it inlines nested functions "
                    "and lambdas where they are called",
                    self.anf.parsed.location(stmt),
                    hint="call the function directly, or pass it to a function of yours "
                         "(with source), not to a library function. A library function "
                         "with a rule that calls it (scipy.integrate.odeint, solve_ivp) "
                         "takes a function defined with def at module level, its "
                         "parameters passed in args=(...).")
