"""Stage 3: facts about a normalized function that the transformations need.

All analyses work on structured code (no jumps but loop exits) and are
conservative: when unsure they answer 'maybe', which costs speed, never
correctness.
"""
from __future__ import annotations

from typing import Callable, Iterable

import gast

from . import syntax


def assigned(stmts) -> set:
    """Names that the statements may bind (loop targets included)."""
    return syntax.names_stored(stmts)


def is_inactive_operation(value: gast.expr, is_nondifferentiable: Callable) -> bool:
    """Operations whose result never carries a derivative."""
    if isinstance(value, (gast.Compare, gast.BoolOp)):
        return True
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not):
        return True
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.FloorDiv):
        return True
    if isinstance(value, gast.Call):
        return is_nondifferentiable(value)
    return False


def _flows(stmts: list, is_nondifferentiable: Callable) -> list:
    """(source names, target name) pairs along which derivatives can flow."""
    pairs = []
    for node in _simple_statements(stmts):
        if isinstance(node, gast.Assign):
            target = node.targets[0]
            base = target.value if isinstance(target, gast.Subscript) else target
            if is_inactive_operation(node.value, is_nondifferentiable):
                continue
            sources = syntax.names_loaded(_differentiable_part(node.value))
            if isinstance(target, gast.Subscript):
                sources.add(base.id)  # untouched elements flow through
            pairs.append((sources, base.id))
        elif isinstance(node, gast.For):
            pairs.append((syntax.names_loaded(node.iter), node.target.id))
    return pairs


def _differentiable_part(value: gast.expr) -> gast.expr:
    """The operands of `value` through which a derivative can flow."""
    if isinstance(value, gast.Subscript):
        return value.value  # an index never carries a derivative
    return value


def _simple_statements(stmts: list):
    for stmt in stmts:
        yield stmt
        for field in ("body", "orelse"):
            yield from _simple_statements(getattr(stmt, field, []) or [])


def active_names(stmts: list, inputs: Iterable[str], output: str,
                 is_nondifferentiable: Callable) -> set:
    """Names that depend on `inputs` and influence `output`."""
    pairs = _flows(stmts, is_nondifferentiable)
    varied = _closure(set(inputs), [(s, {t}) for s, t in pairs])
    useful = _closure({output}, [({t}, s) for s, t in pairs])
    return varied & useful


def _closure(start: set, edges: list) -> set:
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for sources, targets in edges:
            if sources & reached and not targets <= reached:
                reached |= targets
                changed = True
    return reached


def upward_exposed(stmts: list) -> set:
    """Names a block may read before it assigns them (live on entry)."""
    exposed, defined = set(), set()
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            reads = syntax.names_loaded(stmt.test)
            inner = upward_exposed(stmt.body) | upward_exposed(stmt.orelse)
            exposed |= (reads | inner) - defined
            defined |= definitely_assigned(stmt.body) & definitely_assigned(stmt.orelse)
        elif isinstance(stmt, (gast.For, gast.While)):
            header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            exposed |= (syntax.names_loaded(header) | upward_exposed(stmt.body)) - defined
        else:
            exposed |= syntax.names_loaded(stmt) - defined
            defined |= syntax.names_stored(stmt)
    return exposed


def definitely_assigned(stmts: list) -> set:
    """Names every path through the block assigns."""
    defined = set()
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            defined |= definitely_assigned(stmt.body) & definitely_assigned(stmt.orelse)
        elif not isinstance(stmt, (gast.For, gast.While)):
            defined |= syntax.names_stored(stmt)
    return defined
