"""Copy propagation and merging of an adjoint's first two contributions.

`bt = bz; ... f(bt)` becomes `f(bz)` when bz does not change in between, and
`by = a` followed by `by = by + b` becomes `by = a + b`.
"""
from __future__ import annotations

from collections import Counter

import gast

from .. import syntax
from .blocks import Block, NameTable, blocks, fits_one_line, sum_into_itself
from .effects import draws, is_pure


def propagate_copies(node: gast.FunctionDef, protected: set,
                     table: NameTable | None = None) -> bool:
    """Replace reads of a once-assigned copy `x = y` by `y`; True if anything changed."""
    table = table or NameTable()
    loads, stores = table.counts(node)
    changed = False
    for stmts in blocks(node.body):
        block = Block(stmts, table)
        if _sink_rebindings(block, set(stores)):
            changed = True
            block = Block(stmts, table)
        for i, stmt in enumerate(stmts):
            if i in block.dropped:
                continue
            if _is_copy(stmt):
                changed |= _drop_copy_back(block, i, loads, stores)
                if _unwrap_save(block, i, loads, stores, protected):
                    changed = True
                    continue
            if _is_copy(stmt) and stmt.targets[0].id not in protected \
                    and stores[stmt.targets[0].id] == 1 and _replace_reads(block, i, loads):
                block.drop(i)
        changed |= block.compact()
    return changed


def _sink_rebindings(block: Block, local_names: set) -> bool:
    """Move `y = ...` after the reads of a copy `x = y` that follow it, when the
    statements it passes neither read what it binds nor bind what it reads (and
    all are plain and pure): `bt = bz; bz = f(bt); bb = g(bt)` becomes
    `bt = bz; bb = g(bt); bz = f(bt)`, where the copy can go. One move per call
    (positions change)."""
    stmts = block.stmts
    for i, stmt in enumerate(stmts):
        if not _is_copy(stmt):
            continue
        copy, source = stmt.targets[0].id, stmt.value.id
        j = block.next_change(source, i)
        reads = block.loaded_at.get(copy, ())
        last = reads[-1] if reads else None
        if j is None or last is None or last <= j:
            continue
        passed = stmts[j + 1:last + 1]
        if all(_commute(stmts[j], other, block.table, local_names) for other in passed):
            stmts[j:last + 1] = passed + [stmts[j]]
            return True
    return False


def _changed_by(stmt, table: NameTable) -> set:
    _, bound, in_place = table.uses(stmt)
    return bound | in_place


def _commute(first, second, table: NameTable, local_names: set) -> bool:
    """Whether two plain, pure statements in a row may swap."""
    if hasattr(first, "body") or hasattr(second, "body") or syntax.is_comment(second) or \
            not all(isinstance(s, gast.Assign) and is_pure(s.value, local_names)
                    for s in (first, second)):
        return False
    reads_1, reads_2 = table.names(first)[0], table.names(second)[0]
    changes_1, changes_2 = _changed_by(first, table), _changed_by(second, table)
    return not (reads_2 & changes_1 or reads_1 & changes_2 or changes_1 & changes_2)


def merge_contributions(node: gast.FunctionDef, table: NameTable | None = None) -> bool:
    """`v = a; ...; v = v + b` with v untouched between becomes `v = a + b`."""
    table = table or NameTable()
    changed = False
    for stmts in blocks(node.body):
        changed |= _merge_block(Block(stmts, table))
    return changed


def _is_copy(stmt) -> bool:
    return syntax.assigned_name(stmt) is not None and isinstance(stmt.value, gast.Name)


def _drop_copy_back(block: Block, i: int, loads: Counter, stores: Counter) -> bool:
    """Drop `y = x` after the copy `x = y` at i when neither changed in between:
    it gives y the value y has (`bt = bs ... bs = bt` around an adjoint)."""
    target, source = block.stmts[i].targets[0].id, block.stmts[i].value.id
    k = block.next_change(source, i)
    if k is None or not _is_copy(block.stmts[k]) or \
            block.stmts[k].targets[0].id != source or block.stmts[k].value.id != target:
        return False
    change = block.next_change(target, i)
    if change is not None and change < k:
        return False
    block.drop(k)
    loads[target] -= 1
    stores[source] -= 1
    return True


def _unwrap_save(block: Block, i: int, loads: Counter, stores: Counter,
                 protected: set) -> bool:
    """`s = v; ...; v = w; ...; v = s`, with v, w and s unchanged between: v keeps
    its value throughout, and the reads of v between the last two read w."""
    saved, name = block.stmts[i].targets[0].id, block.stmts[i].value.id
    if saved in protected or stores[saved] != 1 or loads[saved] != 1:
        return False
    k = block.next_load(saved, i)
    j = block.next_change(name, i)
    if k is None or j is None or j >= k or not _is_copy(block.stmts[k]) or \
            block.stmts[k].targets[0].id != name or not _is_copy(block.stmts[j]):
        return False
    other = block.stmts[j].value.id
    if other in (name, saved) or block.next_change(name, j) != k:
        return False
    change = block.next_change(other, j)
    if change is not None and change < k:
        return False
    for m in range(j + 1, k):
        if m not in block.dropped and name in block.loads[m]:
            count = block.table.reads(block.stmts[m]).count(name)
            block.replace(m, syntax.copy_annos(block.stmts[m], syntax.substitute(
                block.stmts[m], {name: other})))
            loads[name] -= count
            loads[other] += count
    for m in (i, j, k):
        block.drop(m)
    loads[name] -= 1
    loads[other] -= 1
    loads[saved] -= 1
    stores[saved] -= 1
    stores[name] -= 2
    return True


def _replace_reads(block: Block, i: int, loads: Counter) -> bool:
    """Rewrite the reads of the copy at i after it; False (and nothing changed) if
    the source changes before a read, a read sits in a loop, or the copy is read
    anywhere else: after the loop or branch whose body holds it, or in another
    block (a primal branch's temporary that the adjoint's branch reads).
    `loads` counts each name's reads in the function and is kept current."""
    target, source = block.stmts[i].targets[0].id, block.stmts[i].value.id
    uses = [k for k in block.loaded_at.get(target, ()) if k > i]
    if not uses:
        return False
    read_here = sum(block.table.reads(block.stmts[k]).count(target) for k in uses)
    if read_here != loads[target]:
        return False
    last = uses[-1]
    if any(isinstance(block.stmts[k], (gast.For, gast.While)) for k in uses):
        return False
    # the source may change only in the last use itself (its value is read first)
    store = block.next_store(source, i)
    if store is not None and (store < last or store == last and
                              not isinstance(block.stmts[last], gast.Assign)):
        return False
    for k in uses:
        block.replace(k, syntax.copy_annos(block.stmts[k],
                                           syntax.substitute(block.stmts[k], {target: source})))
    loads[source] += read_here - 1  # the copy's own read goes with it
    loads[target] = 0
    return True


def _merge_block(block: Block) -> bool:
    """One sweep over the block. `first[v]` is the position of the last `v = a` that
    no later statement has read or bound v since; `v = v + b` then joins it when
    nothing b reads was bound or changed in place (`b[0] = ...`) after it, and
    nothing a reads was changed in place (v may be a itself, or a view of it)."""
    first, last_change, last_in_place = {}, {}, {}
    for k, stmt in enumerate(block.stmts):
        if syntax.is_comment(stmt) or draws(stmt):
            # a sum stays under the `# Grad of:` of its terms; draws keep their order
            first.clear()
            continue
        var, added = _accumulation(stmt)
        i = first.get(var)
        if i is not None and all(last_change.get(n, -1) < i for n in added) \
                and all(last_in_place.get(n, -1) < i for n in block.loads[i]) \
                and fits_one_line(block.stmts[i], stmt.value.right):
            merged = syntax.clone(block.stmts[i])  # a loop's rerun may share the node
            merged.value = gast.BinOp(left=merged.value, op=gast.Add(), right=stmt.value.right)
            block.replace(i, merged)
            block.drop(k)
            for name in added:  # now read at i
                first.pop(name, None)
            continue
        for name in block.loads[k] | block.stores[k]:
            first.pop(name, None)
        for name in block.stores[k]:
            last_change[name] = k
        for name in block.in_place[k]:
            last_change[name] = last_in_place[name] = k
        if syntax.assigned_name(stmt) is not None:
            first[stmt.targets[0].id] = k
    return block.compact()


def _accumulation(stmt) -> tuple:
    """(v, names b reads) for `v = v + b` where b does not read v, else (None, ())."""
    var, value = sum_into_itself(stmt)
    if var is not None:
        added = syntax.names_loaded(value)
        if var not in added:
            return var, added
    return None, ()
