"""Stage 2: a parsed function rewritten so each statement does one thing."""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .. import syntax
from ..errors import UnsupportedSyntaxError
from ..names import Names
from ..parsing import ParsedFunction
from .anf import ANF
from .frozen import unfreeze_methods
from .function_arguments import spell_out_function_arguments
from .jumps import lower_jumps
from .lists import convert_list_operands
from .outputs import write_outputs_as_index_writes


@dataclass
class NormalFunction:
    """A function in normal form, the names it returns and the names in use."""

    parsed: ParsedFunction
    node: gast.FunctionDef
    params: list
    result: str
    names: Names
    inlined: dict = field(default_factory=dict)  # {dotted name: function inlined there}


def normalize(parsed: ParsedFunction) -> NormalFunction:
    """Lower jumps, then flatten every expression to one operation a statement."""
    node = syntax.clone(parsed.node)
    params = _parameters(parsed)
    names = Names(syntax.all_names(node))
    write_outputs_as_index_writes(node.body, parsed, params, names)
    spell_out_function_arguments(node.body, parsed.namespace, names)
    anf = ANF(parsed, names)
    anf.check_supported(node.body)
    _refuse_generator(parsed)
    lower_jumps(node, names)
    node.body = anf.block(node.body)
    unfreeze_methods(node, parsed.namespace, names)
    convert_list_operands(node, params, parsed.namespace, names)
    anf.inliner.check_no_function_values(node.body)
    last = node.body[-1] if node.body else None
    if not isinstance(last, gast.Return):
        raise UnsupportedSyntaxError(
            f"function '{parsed.name}' does not end with a return statement",
            parsed.location(last or parsed.node),
            hint="return the value to differentiate.")
    return NormalFunction(parsed, node, params, last.value.id, names, anf.inlined)


def _refuse_generator(parsed: ParsedFunction) -> None:
    """The differentiated function itself must return its value, not yield it."""
    nested = {id(n) for d in syntax.walk(parsed.node.body) if isinstance(d, gast.FunctionDef)
              for n in syntax.walk(d.body)}
    for node in syntax.walk(parsed.node.body):
        if isinstance(node, gast.Expr) and isinstance(node.value, gast.Yield) and \
                id(node) not in nested:
            raise UnsupportedSyntaxError(
                f"s2sad cannot differentiate yield (in {parsed.described}): a "
                "generator is differentiated through where a for loop walks it",
                parsed.location(node), hint="return the value to differentiate.")


def _parameters(parsed: ParsedFunction) -> list:
    """Every parameter name in signature order (keyword-only ones last)."""
    args = parsed.node.args
    for extra, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
        if extra is not None:
            raise UnsupportedSyntaxError(
                f"function '{parsed.name}' takes {what}, which s2sad cannot differentiate",
                parsed.location(extra), hint="list the parameters explicitly.")
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
