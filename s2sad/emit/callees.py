"""Calls of other functions: the user's helpers (their generated derivatives),
function values known only at run time (dispatch.py), and the errors for a
call with no derivative."""
from __future__ import annotations

import functools
import inspect
import os
from dataclasses import replace

import gast

from .. import aliases, dispatch, libraries, registry, syntax, varargs
from ..decorators import signature_of, undecorated
from ..errors import (Location, NonDifferentiableError, RecursiveCall, S2SADError,
                      SourceUnavailableError, UnsupportedSyntaxError)
from ..primitives import Primitive

# methods of these are never dispatched at run time (a method of the same name on
# a user class then needs its own function: call it through one)
_BUILTIN_CONTAINERS = (dict, list, tuple, str, set, int, float)


class CalleeCalls:
    """Mixin of Emitter: reads `self.spec`, `self.callees`, `self.classify`."""

    def bind_call(self, primitive: Primitive, stmt) -> list:
        """(parameter index, operand) of the active arguments of a user function call."""
        signature = signature_of(primitive.key)
        try:
            bound = signature.bind(*primitive.args, **primitive.keywords)
        except TypeError as exc:
            raise UnsupportedSyntaxError(
                f"call to {primitive.description} does not match its signature: {exc}",
                self.fn.parsed.location(stmt), hint="fix the call's arguments.") from None
        params = list(signature.parameters)
        return [(params.index(p), atom) for p, atom in bound.arguments.items()
                if self.derivative(atom) is not None]

    def callee_derivative(self, primitive: Primitive, stmt, active: list, mode: str):
        """The generated VJP (or JVP) of the user function called at `stmt`, for its
        `active` arguments; None for a call of a function whose derivative is being
        made (recursion), which the derivative looks up when it runs. When s2sad
        cannot read that function's source, the error points at this call: the
        user's line that needs the derivative."""
        called = syntax.dotted_name(stmt.value.func) if isinstance(stmt.value, gast.Call) \
            else None
        if called is not None and not registry.is_stand_in(primitive.key):
            # may be rebound later: rebinding.py
            self.callees[called] = getattr(primitive.key, "__s2sad_varargs_of__",
                                           primitive.key)
        try:
            return self.spec.subroutine(primitive.key, tuple(i for i, _ in active))
        except RecursiveCall:
            return None  # the derivative being made: found when it runs (dispatch.py)
        except SourceUnavailableError as exc:
            if exc.location is not None:  # from a call further down, placed there
                raise
            name = primitive.key.__name__
            decorator = "adjoint" if mode == "reverse" else "tangent"
            raise SourceUnavailableError(
                f"{exc.message}; it is called in {self.fn.parsed.described}",
                self.fn.parsed.location(stmt),
                hint=f"s2sad reads source code: define '{name}' with `def` in a file, a "
                     f"notebook cell or IPython (not with exec() or in a plain REPL), or "
                     f"register its derivative with @s2sad.{decorator}({name}).") from None
        except S2SADError as exc:
            if not _inside_s2sad(exc.location) or _inside_s2sad(self.fn.parsed.location()):
                raise
            # s2sad's own helper, called by a derivative being differentiated again
            raise type(exc)(
                f"s2sad cannot differentiate the derivative of this line again: it calls "
                f"s2sad's helper '{primitive.key.__name__}' ({exc.message})",
                self.fn.parsed.location(stmt),
                hint="this line has no derivative of this order in s2sad (see Higher "
                     "order in docs/supported_python.md): write it with operations "
                     "that have one, or take this derivative in the other mode.") from None

    def refuse_dispatch_twice(self, primitive: Primitive, stmt) -> None:
        """A derivative that calls call_vjp or call_jvp (dispatch.py) is not
        differentiated again: the function it differentiates is only known then."""
        if primitive.key in (dispatch.call_vjp, dispatch.call_jvp, dispatch.call_vjp_jvp):
            raise NonDifferentiableError(
                "s2sad cannot differentiate again a derivative through a method call, a "
                "recursive call or a function value known only at run time (in function "
                f"'{self.fn.parsed.name}')",
                self.fn.parsed.location(stmt),
                hint="take the second derivative in forward over reverse mode (s2sad.hvp, "
                     "s2sad.hessian), which follows such calls; or call module-level "
                     "functions, or nested functions and lambdas, which s2sad inlines.")

    def is_dispatched_call(self, call: gast.Call) -> bool:
        primitive = self.classify(call)
        return primitive is not None and self.is_dispatched(primitive)

    def is_dispatched(self, primitive: Primitive) -> bool:
        """A call of a function value only known at run time: a method of an object
        (`layer.forward_pass(h)`, not an ndarray or list method with a rule) or a
        local variable (`activation(z)`); see dispatch.py."""
        key = primitive.key
        if inspect.ismethod(key) and registry.unfrozen(key) is not None:
            return True   # a frozen distribution made outside: unfrozen at run time
        if libraries.is_installed(key):
            return False  # a library's method, as stats.norm.sf: needs a rule
        if inspect.ismethod(key) or isinstance(key, functools.partial):
            return True   # a global or closure variable holding one
        call = getattr(type(key), "__call__", None)
        if inspect.isfunction(call) and not libraries.is_installed(call):
            return True   # an object of a class of the user's, called
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "method" and \
                key[1] in aliases.MUTATING_METHODS and \
                any(hasattr(kind, key[1]) for kind in _BUILTIN_CONTAINERS) and \
                not self.users_method(primitive):
            return False  # lst.extend(v), d.update(e): refused where they are written
        return isinstance(key, tuple) and len(key) == 2 and key[0] in ("method", "call") \
            and not primitive.nondifferentiable

    def users_method(self, primitive: Primitive) -> bool:
        """`opt.update(w, g)` where opt is an object of the user's class (made in f,
        or f's `self`) that defines update: not a dict's."""
        receiver = primitive.args[0] if primitive.args else None
        owner = self.namespace.receivers.get(getattr(receiver, "id", None))
        return owner is not None and any(primitive.key[1] in vars(base)
                                         for base in owner.__mro__ if base is not object)

    def dispatched_call(self, primitive: Primitive, stmt) -> tuple:
        """(the function value, its operands, {keyword: operand}, active positions or
        keywords with their operands) of a dispatched call."""
        call = stmt.value
        method = isinstance(primitive.key, tuple) and primitive.key[0] == "method"
        if method:
            function = gast.Attribute(value=syntax.clone(primitive.args[0]),
                                      attr=primitive.key[1], ctx=gast.Load())
            args = primitive.args[1:]
        else:
            function, args = syntax.clone(call.func), primitive.args
        if any(isinstance(a, gast.Starred) for a in args):
            raise NonDifferentiableError(
                f"s2sad cannot differentiate a call with *arguments to {primitive.description} "
                f"(in {self.fn.parsed.described})", self.fn.parsed.location(stmt),
                hint="pass the arguments one by one.")
        active = [(i, a) for i, a in enumerate(args) if self.derivative(a) is not None]
        active += [(k, a) for k, a in primitive.keywords.items()
                   if self.derivative(a) is not None]
        if method and self.derivative(primitive.args[0]) is not None:
            raise NonDifferentiableError(
                f"s2sad cannot differentiate a call of {primitive.description} with respect "
                f"to the object it is called on (in function "
                f"'{self.fn.parsed.name}')", self.fn.parsed.location(stmt),
                hint=registry.advice_for(primitive.key) or
                "pass the parameters the method reads as arguments, or call a "
                "module-level function with the object as an argument.")
        if not method and self.derivative(call.func) is not None:
            # made from differentiable values: a plain function then (taken from a
            # dict of parameters), or refused when the derivative runs
            function = syntax.call(self.helper("holding_no_derivative"), function,
                                   self.place_of(stmt, column=True))
        wrt = syntax.tuple_(syntax.constant(i) for i, _ in active)
        return function, wrt, args, active

    def through_source(self, primitive: Primitive) -> Primitive | None:
        """The call as a call to the Python function whose source s2sad differentiates
        for it (the user's own function, or a registered stand-in), or None when it
        needs a derivative rule (a library function, a built-in). A function taking
        `*args` is taken in its version for this call's number of arguments."""
        source = libraries.source_to_differentiate(primitive.key)
        if source is not None and varargs.takes_varargs(source) and \
                not any(isinstance(a, gast.Starred) for a in primitive.args):
            source = varargs.with_arity(source, len(primitive.args))
        return None if source is None else replace(primitive, key=source)

    def no_derivative(self, primitive: Primitive, stmt, mode: str) -> NonDifferentiableError:
        what = primitive.description
        decorator = "adjoint" if mode == "reverse" else "tangent"
        library = libraries.is_installed(undecorated(primitive.key))
        why = "s2sad does not read the source of installed libraries; " if library else ""
        hint = f"{why}register one with @s2sad.{decorator}({what}) (see " \
            "docs/custom_derivatives.md), or wrap the value in s2sad.stop_gradient " \
            "if it needs none."
        if inspect.isclass(primitive.key) and not library and \
                primitive.key.__module__ != "builtins":
            hint = "s2sad follows values through functions, not into objects of your " \
                "classes: pass the arrays as arguments to a function (`def dense(W, b, " \
                "x)`), or make the object outside the differentiated function and pass " \
                "the arrays it holds as parameters."
        hint = registry.advice_for(primitive.key) or hint
        return NonDifferentiableError(
            f"no {mode}-mode derivative is registered for {what} (in function "
            f"'{self.fn.parsed.name}')", self.fn.parsed.location(stmt), hint=hint)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _inside_s2sad(location: Location | None) -> bool:
    """Whether an error points into s2sad's own files (a runtime helper)."""
    return location is not None and \
        os.path.abspath(location.filename).startswith(_PACKAGE + os.sep)
