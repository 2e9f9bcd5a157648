"""Remove a push and its matching pop when the value did not change between."""
from __future__ import annotations

import gast

from .. import syntax
from ..names import Names
from .blocks import blocks


SAVE = "save"  # set by reverse mode on each push and the pops that take it back


def drop_redundant_saves(node: gast.FunctionDef, tape: str) -> bool:
    """Drop saves nobody needs: a push whose every pop discards the value, and
    `tape.append(x) ... x = tape.pop()` with x untouched between; when x changes
    between but nothing else uses the tape, a local variable keeps x instead."""
    changed = _drop_discarded(node, tape)
    names = None
    keys = None
    for block in blocks(node.body):
        changed |= _drop_pairs(block, tape) | _drop_undone_writes(block, tape)
        if any(stmt.__class__ is gast.If for stmt in block):
            keys = keys or _key_counts(node)
            changed |= _drop_pairs_across_branches(block, tape, keys)
        for i, j in _local_pairs(block, tape):
            names = names or Names(syntax.all_names(node))
            name = block[j].targets[0].id
            saved = names.fresh(f"{name}_saved")
            block[i] = syntax.assign(saved, syntax.name(name))
            block[j] = syntax.copy_annos(block[j], syntax.assign(name, syntax.name(saved)))
            changed = True
    return changed


def _local_pairs(block: list, tape: str) -> list:
    """(push, pop) positions of `tape.append(x) ... x = tape.pop()` where x changes
    between, nothing else uses the tape and no jump leaves the block before the pop."""
    pairs = []
    for i, stmt in enumerate(block):
        name = _pushed_name(stmt, tape)
        if name is None:
            continue
        j = next((k for k in range(i + 1, len(block)) if _uses_tape(block[k], tape)), None)
        if j is None or _popped(block[j], tape) != (True, name):
            continue
        between = block[i + 1:j]
        if any(name in syntax.names_stored(s) for s in between) and not _jumps(between):
            pairs.append((i, j))
    return pairs


_JUMPS = (gast.Break, gast.Continue, gast.Return, gast.Raise)


def _jumps(stmts: list) -> bool:
    return any(isinstance(node, _JUMPS) for stmt in stmts for node in syntax.walk(stmt))


def _drop_discarded(node: gast.FunctionDef, tape: str) -> bool:
    pops, saves = {}, {}
    for block in blocks(node.body):
        for stmt in block:
            key = syntax.anno(stmt, SAVE)
            if key is None:
                continue
            saves.setdefault(key, []).append((block, stmt))
            is_pop, target = _popped(stmt, tape)
            if is_pop:
                pops.setdefault(key, []).append(target)
    useless = {key for key, targets in pops.items() if all(t is None for t in targets)}
    for key in useless:
        for block, stmt in saves[key]:
            block.remove(stmt)
    return bool(useless)


def _tape_call(node, tape: str, method: str) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr == method and isinstance(node.func.value, gast.Name) \
        and node.func.value.id == tape


def _pushed_name(stmt, tape: str):
    if isinstance(stmt, gast.Expr) and _tape_call(stmt.value, tape, "append") \
            and isinstance(stmt.value.args[0], gast.Name):
        return stmt.value.args[0].id
    return None


def _popped(stmt, tape: str):
    """(is a pop, name popped into or None for a discarded pop)."""
    if isinstance(stmt, gast.Expr) and _tape_call(stmt.value, tape, "pop"):
        return True, None
    if isinstance(stmt, gast.Assign) and _tape_call(stmt.value, tape, "pop"):
        target = stmt.targets[0]
        return True, target.id if isinstance(target, gast.Name) else syntax.as_load(target)
    return False, None


def _uses_tape(stmt, tape: str) -> bool:
    return tape in syntax.names_loaded(stmt)


def _drop_pairs(block: list, tape: str) -> bool:
    changed = False
    i = 0
    while i < len(block):
        name = _pushed_name(block[i], tape)
        j = _matching_pop(block, i, name, tape) if name else None
        if j is not None:
            del block[j]
            del block[i]
            changed = True
        else:
            i += 1
    return changed


def _drop_undone_writes(block: list, tape: str) -> bool:
    """`tape.append(copy_of(x[i])); x[i] = v; ...; x[i] = tape.pop()` with nothing
    between reading x or using the tape: the write is undone before anything sees
    it (a loop body rerun in the reverse sweep), so none of the three need run, and
    views of x the rerun keeps (`t = x[1:-1]`) never see x change."""
    changed = False
    i = 0
    while i + 1 < len(block):
        j = _undoing_pop(block, i, tape)
        if j is None:
            i += 1
            continue
        del block[j], block[i + 1], block[i]
        changed = True
    return changed


def _undoing_pop(block: list, i: int, tape: str) -> int | None:
    entry = _saved_entry(block[i], tape)
    write = block[i + 1]
    if entry is None or not isinstance(write, gast.Assign) or \
            not isinstance(write.value, (gast.Name, gast.Constant)) or \
            not _same_entry(write.targets[0], entry):
        return None
    array, fixed = entry.value.id, syntax.names_loaded(entry)
    for j in range(i + 2, len(block)):
        stmt = block[j]
        is_pop, target = _popped(stmt, tape)
        if is_pop:
            return j if isinstance(target, gast.Subscript) and _same_entry(target, entry) \
                else None
        if hasattr(stmt, "body") or _uses_tape(stmt, tape) or _jumps([stmt]) or \
                array in syntax.names_loaded(stmt) or fixed & syntax.names_stored(stmt):
            return None
    return None


def _saved_entry(stmt, tape: str) -> gast.Subscript | None:
    """`x[i]` for a push `tape.append(copy_of(x[i]))`."""
    if not (isinstance(stmt, gast.Expr) and _tape_call(stmt.value, tape, "append")):
        return None
    saved = stmt.value.args[0]
    if isinstance(saved, gast.Call) and len(saved.args) == 1:
        saved = saved.args[0]
    return saved if isinstance(saved, gast.Subscript) and \
        isinstance(saved.value, gast.Name) else None


def _same_entry(target: gast.expr, entry: gast.Subscript) -> bool:
    return isinstance(target, gast.Subscript) and \
        syntax.code_key(target) == syntax.code_key(entry)


def _matching_pop(block: list, i: int, name: str, tape: str):
    """The position of the pop that takes back the push at i, if x stays unchanged
    until it. Pushes and pops between are balanced (the tape is a stack), so the
    pop that shares the push's key may lie past other uses of the tape."""
    key = syntax.anno(block[i], SAVE)
    for j in range(i + 1, len(block)):
        if key is not None and syntax.anno(block[j], SAVE) == key:
            between = block[i + 1:j]
            return j if _popped(block[j], tape) in ((True, None), (True, name)) and \
                not any(name in syntax.names_stored(s) for s in between) and \
                not _jumps(between) else None
    for j in range(i + 1, len(block)):
        is_pop, target = _popped(block[j], tape)
        if is_pop:
            return j if target is None or target == name else None
        if _uses_tape(block[j], tape):
            return None
        if name in syntax.names_stored(block[j]):
            return None
    return None


def _key_counts(node: gast.FunctionDef) -> dict:
    """How many pushes and pops carry each SAVE key."""
    counts = {}
    for stmt in syntax.statements(node.body):
        key = syntax.anno(stmt, SAVE)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return counts


def _drop_pairs_across_branches(block: list, tape: str, keys: dict) -> bool:
    """`if c: ...; tape.append(x)`, then code that leaves x, c and the tape alone,
    then `if c: x = tape.pop(); ...`: a branch's rerun in a loop's adjoint saves
    the value its adjoint, in the same branch of the next `if`, takes back. The
    same test takes the same branch, so the pair goes."""
    changed = False
    for k, first in enumerate(block):
        if first.__class__ is not gast.If:
            continue
        m = next((i for i in range(k + 1, len(block)) if _uses_tape(block[i], tape)), None)
        if m is None:
            continue
        second, between = block[m], block[k + 1:m]
        test_names = syntax.names_loaded(first.test)
        if second.__class__ is not gast.If or not syntax.same(first.test, second.test) or \
                _jumps(between) or test_names & syntax.names_stored(between + [first]):
            continue
        for pushes, pops in ((first.body, second.body), (first.orelse, second.orelse)):
            pair = _pair_across(pushes, pops, between, tape, keys)
            if pair is not None:
                pushes.remove(pair[0])
                pops.remove(pair[1])
                changed = True
    return changed


def _pair_across(pushes: list, pops: list, between: list, tape: str, keys: dict):
    """(push, pop): the last use of the tape in `pushes`, a push of x, and the first
    in `pops`, the pop of that push (its only one) into x or discarded, with x
    unchanged from one to the other; else None."""
    i = next((i for i in range(len(pushes) - 1, -1, -1) if _uses_tape(pushes[i], tape)),
             None)
    j = next((j for j in range(len(pops)) if _uses_tape(pops[j], tape)), None)
    if i is None or j is None:
        return None
    push, pop = pushes[i], pops[j]
    name, key = _pushed_name(push, tape), syntax.anno(push, SAVE)
    if name is None or key is None or syntax.anno(pop, SAVE) != key or keys.get(key) != 2 \
            or _popped(pop, tape) not in ((True, None), (True, name)):
        return None
    passed = pushes[i + 1:] + between + pops[:j]
    if _jumps(passed) or any(name in syntax.names_stored(s) or name in _written(s)
                             for s in passed):
        return None
    return push, pop


def _written(stmt) -> set:
    """Names whose contents the statement may write into: `x[i] = v` and method
    calls `x.sort()`, nested ones too."""
    names = set()
    for node in syntax.walk(stmt):
        if node.__class__ is gast.Subscript and node.ctx.__class__ is gast.Store or \
                node.__class__ is gast.Call and node.func.__class__ is gast.Attribute:
            inner = node.value if node.__class__ is gast.Subscript else node.func.value
            if inner.__class__ is gast.Name:
                names.add(inner.id)
    return names


COUNTER = "counter"  # set by reverse mode on a recorded loop and on its reverse


def drop_loop_counters(node: gast.FunctionDef, tape: str) -> bool:
    """`n = 0; while ...: tape.append(v) ... n = n + 1 ... for _ in range(n):` becomes
    `... while tape:` when the loop is the first to push: every iteration pushes,
    and its reverse then finds only the loop's entries. A pair inside a loop (a
    solve rerun in each reversed iteration) qualifies when the two are the only
    code that uses the tape."""
    changed = False
    for block in blocks(node.body):
        loops = {}
        for stmt in block:
            if syntax.anno(stmt, COUNTER):
                loops.setdefault(syntax.anno(stmt, COUNTER), []).append(stmt)
        for counter, pair in loops.items():
            if len(pair) != 2 or not _counter_removable(node, block, *pair, counter, tape):
                continue
            primal, backward = pair
            block[:] = [s for s in block if syntax.assigned_name(s) != counter]
            primal.body = [s for s in primal.body if syntax.assigned_name(s) != counter]
            block[block.index(backward)] = gast.While(
                test=syntax.name(tape), body=backward.body, orelse=[])
            changed = True
    return changed


def _counter_removable(node, body: list, primal, backward, counter: str, tape: str) -> bool:
    """The counter is only set to 0, incremented and read by the reverse loop; the
    loop pushes first thing in its body; nothing before it in its block uses the
    tape; everything pushed between the two loops is popped; and, in a nested
    block, nothing but the two loops uses the tape."""
    start, end = body.index(primal), body.index(backward)
    loads, stores = syntax.name_occurrences(node.body)
    first = primal.body[0] if primal.body else None
    nested = body is not node.body
    return loads.count(counter) == 2 and stores.count(counter) == 2 \
        and any(syntax.assigned_name(s) == counter for s in body[:start]) \
        and any(syntax.assigned_name(s) == counter for s in primal.body) \
        and counter in syntax.names_loaded(backward.iter) \
        and _tape_call(getattr(first, "value", None), tape, "append") \
        and not any(_uses_tape(s, tape) for s in body[:start]) \
        and _popped_later(body[start + 1:end], node.body, tape) \
        and not (nested and _uses_outside(node, tape, (primal, backward)))


def _uses_outside(node: gast.FunctionDef, tape: str, loops: tuple) -> bool:
    """Whether code other than `loops` reads the tape (its `tape = []` aside)."""
    inside = sum(1 for loop in loops for n in syntax.walk(loop)
                 if isinstance(n, gast.Name) and n.id == tape)
    everywhere = sum(1 for n in syntax.walk(node.body)
                     if isinstance(n, gast.Name) and n.id == tape and
                     isinstance(n.ctx, gast.Load))
    return everywhere != inside


def _popped_later(stmts: list, body: list, tape: str) -> bool:
    """Whether every push in `stmts` has pops, so that the tape is back to the
    loop's entries when its reverse runs."""
    popped = {syntax.anno(s, SAVE) for s in syntax.statements(body) if _popped(s, tape)[0]}
    pushed = {syntax.anno(s, SAVE) for s in syntax.statements(stmts)
              if isinstance(s, gast.Expr) and _tape_call(s.value, tape, "append")}
    return None not in pushed and pushed <= popped


def merge_saves(node: gast.FunctionDef, tape: str) -> bool:
    """Pushes in a row that pops in a row take back, in reverse order, become one
    push of a tuple and one pop unpacking it: `tape.append((r, x))`, then
    `r, x = tape.pop()`, a call each instead of two. Only where every push of the
    function is in such a row, all rows of one length, so that the tape holds
    values of one kind (numba types it as a list of one type), and where the tape
    is used only by pushes, pops and `while tape:` tests."""
    push_runs = _runs(node, tape, _is_push)
    if not push_runs or not _stack_only(node, tape):
        return False
    pop_runs = _runs(node, tape, _is_named_pop)
    lengths = {len(run) for _, run in push_runs}
    if len(lengths) != 1 or lengths == {1}:
        return False
    length = lengths.pop()
    pushed = {tuple(syntax.anno(s, SAVE) for s in run) for _, run in push_runs}
    if len({key for keys in pushed for key in keys}) != length * len(pushed):
        return False  # a key in two rows: a pop's row could straddle two pushes' rows
    groups = [(block, run[k:k + length]) for block, run in pop_runs
              for k in range(0, len(run), length)]
    popped = {tuple(syntax.anno(s, SAVE) for s in reversed(run)) for _, run in groups}
    all_pops = [s for s in syntax.statements(node.body) if _popped(s, tape)[0]]
    if popped != pushed or sum(len(run) for _, run in groups) != len(all_pops) or \
            any(len({s.targets[0].id for s in run}) != length for _, run in groups):
        return False
    for block, run in push_runs:
        merged = syntax.expr_stmt(syntax.call(run[0].value.func, syntax.tuple_(
            [s.value.args[0] for s in run])))
        _replace_run(block, run, merged)
    for block, run in groups:
        targets = [syntax.name(s.targets[0].id, "store") for s in reversed(run)]
        _replace_run(block, run, gast.Assign(targets=[syntax.tuple_(targets, "store")],
                                             value=run[0].value, type_comment=None))
    return True


def _is_push(stmt, tape: str) -> bool:
    return isinstance(stmt, gast.Expr) and _tape_call(stmt.value, tape, "append") and \
        syntax.anno(stmt, SAVE) is not None


def _is_named_pop(stmt, tape: str) -> bool:
    return isinstance(stmt, gast.Assign) and _tape_call(stmt.value, tape, "pop") and \
        isinstance(stmt.targets[0], gast.Name) and syntax.anno(stmt, SAVE) is not None


def _runs(node: gast.FunctionDef, tape: str, kind) -> list:
    """(block, statements) of each longest row of statements of `kind`."""
    runs = []
    for block in blocks(node.body):
        run = []
        for stmt in block + [None]:
            if stmt is not None and kind(stmt, tape):
                run.append(stmt)
                continue
            if run:
                runs.append((block, run))
            run = []
    return runs


def _stack_only(node: gast.FunctionDef, tape: str) -> bool:
    """Whether the tape is made empty and then only pushed, popped and tested."""
    uses = sum(1 for n in syntax.walk(node.body)
               if isinstance(n, gast.Name) and n.id == tape)
    allowed = 0
    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.Assign) and syntax.assigned_name(stmt) == tape and \
                isinstance(stmt.value, gast.List) and not stmt.value.elts:
            allowed += 1
        elif _is_push(stmt, tape) or _popped(stmt, tape)[0]:
            allowed += 1
        if isinstance(stmt, gast.While) and isinstance(stmt.test, gast.Name) and \
                stmt.test.id == tape:
            allowed += 1
    return uses == allowed


def _replace_run(block: list, run: list, merged: gast.stmt) -> None:
    start = next(i for i, s in enumerate(block) if s is run[0])
    syntax.set_anno(merged, SAVE, tuple(syntax.anno(s, SAVE) for s in run))
    block[start:start + len(run)] = [merged]
