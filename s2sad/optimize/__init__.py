"""Stage 5: make the generated function short, clean and fast.

Each pass rewrites the tree in place and reports whether it changed
anything; they run in turn until none does.
"""
from __future__ import annotations

import itertools

import gast

from .. import syntax
from .blocks import NameTable
from .branches import merge_branches
from .copies import merge_contributions, propagate_copies
from .dce import eliminate_dead_code
from .factor import factor_sums
from .inplace import accumulate_in_place
from .loops import refold_while_tests
from .inline import inline_temporaries
from .reuse import reuse_values
from .seeds import keep_seeds_scalar
from .simplify import simplify
from .tape import drop_loop_counters, drop_redundant_saves, merge_saves


def optimize(node: gast.FunctionDef, protected: set, tape: str,
             adjoints: frozenset = frozenset(), elementwise: frozenset = frozenset(),
             modules: dict | None = None, in_place: bool = True,
             shapes: dict | None = None, helpers: dict | None = None,
             scalars: frozenset = frozenset()) -> gast.FunctionDef:
    """Run every pass to a fixed point; `protected` names are never inlined away;
    sums of products are factored in assignments to `adjoints` over `elementwise`
    names and functions of `modules` (see factor.py); with `in_place`, sums into
    arrays only one name holds become `+=` (NumPy arrays only: see inplace.py).
    `shapes` ({name: shape class}), `helpers` ({"unreduce": the names it has in
    the code, "count": ..., "unbroadcast": ...}) and `scalars` let a full
    reduction's adjoint stay a scalar (see seeds.py)."""
    table = NameTable()  # shared: a statement's names are found once, not per pass
    passes = [
        lambda: merge_branches(node),
        lambda: eliminate_dead_code(node, table),
        lambda: drop_redundant_saves(node, tape),
        lambda: inline_temporaries(node, protected, table),
        lambda: propagate_copies(node, protected, table),
        lambda: merge_contributions(node, table),
        lambda: factor_sums(node, adjoints, elementwise, modules, table),  # merged sums
        lambda: reuse_values(node, table),
        lambda: simplify(node),  # inlining and merging bring constants together
        lambda: keep_seeds_scalar(node, shapes or {}, helpers or {}, scalars, modules or {},
                                  table),
    ]
    unchanged = 0  # passes run in a row that changed nothing: all of them ends it
    for pass_ in itertools.islice(itertools.cycle(passes), 20 * len(passes)):
        unchanged = 0 if pass_() else unchanged + 1
        if unchanged == len(passes):
            break
    drop_loop_counters(node, tape)
    merge_saves(node, tape)
    refold_while_tests(node, table)
    if in_place:
        accumulate_in_place(node)  # last: the passes above read `v = v + g` only
    drop_orphan_comments(node.body)
    return node


def drop_orphan_comments(stmts: list) -> None:
    """A comment must be followed, in its block, by code it describes."""
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                drop_orphan_comments(inner)
        if getattr(stmt, "body", None) == []:
            stmt.body.append(gast.Pass())
    stmts[:] = [s for i, s in enumerate(stmts)
                if not syntax.is_comment(s) or
                (i + 1 < len(stmts) and not syntax.is_comment(stmts[i + 1]))]
