"""Sums of products over scalars: like terms added once, a common factor taken out.

Adjoint code adds one contribution per use of a variable, so a scalar adjoint
often reads `bx + g * a + g * (x * x) + 2 * (g * x * x)`, which is
`bx + g * (a + 3 * x * x)` with four fewer operations. Only adjoint assignments
over Python or NumPy scalars are rewritten: reassociation changes rounding in
the last bits, never a shape or a dtype, and primal values (which steer branches
and loops) are left exactly as the user's function computes them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import gast

from .. import syntax
from ..primitives import is_elementwise
from .blocks import NameTable, blocks


def factor_sums(node: gast.FunctionDef, adjoints: frozenset, scalars: frozenset,
                modules: dict | None = None, table: NameTable | None = None) -> bool:
    """Rewrite `b = <sum of products>` for adjoints `b` in `scalars` where that
    saves operations; True if anything changed. `modules` maps names to the
    modules (NumPy, `math`) whose functions of such values count as values too."""
    changed = False
    modules = modules or {}
    table = table or NameTable()
    if not adjoints & scalars:
        return False
    for stmts in blocks(node.body):
        products = _Products()  # the products bound earlier in this block
        for k, stmt in enumerate(stmts):
            value = _factored(stmt.value, products) \
                if _eligible(stmt, adjoints, scalars, modules) else None
            if value is not None:
                # new nodes: a loop adjoint's rerun may share nodes with the primal,
                # and the factors come from other statements
                new = syntax.assign(syntax.assigned_name(stmt), syntax.clone(value))
                stmt = stmts[k] = syntax.copy_annos(stmt, new)
                changed = True
            if products:
                _, bound, in_place = table.uses(stmt)
                products.forget(bound | in_place)
            name = _product_binding(stmt, scalars)
            if name is not None:
                products.add(name, _terms(stmt.value)[0], name in adjoints)
    return changed


class _Products(dict):
    """name -> the _Term of `name = <product of names>`, with an index of the
    names each product reads (to find the products a term holds, and those a
    binding makes stale), and `primal`, the same for the primal names only."""

    def __init__(self, with_primal: bool = True):
        super().__init__()
        self.readers = {}
        self.primal = _Products(with_primal=False) if with_primal else None

    def add(self, name: str, term: "_Term", adjoint: bool) -> None:
        self[name] = term
        for factor in term.factors:
            self.readers.setdefault(factor.id, set()).add(name)
        if self.primal is not None and not adjoint:
            self.primal.add(name, term, adjoint)

    def forget(self, bound: set) -> None:
        """Drop the products of a rebound name, and those reading one."""
        for name in bound:
            self.pop(name, None)
            for reader in self.readers.pop(name, ()):
                self.pop(reader, None)
        if self.primal is not None:
            self.primal.forget(bound)


@dataclass
class _Term:
    coefficient: object        # an int or a float
    factors: list              # expressions, in the order first met

    def keys(self) -> list:
        return [syntax.code_key(f) for f in self.factors]


def _eligible(stmt, adjoints: frozenset, scalars: frozenset, modules: dict) -> bool:
    target = syntax.assigned_name(stmt)
    return target in adjoints and target in scalars and \
        _arithmetic(stmt.value, scalars, modules)


def _factored(value: gast.expr, products: dict) -> gast.expr | None:
    """The sum rewritten, with none, the primal or all of the products bound
    before it spelled out, whichever takes fewer operations; None unless that is
    fewer than now."""
    best = value
    for known in ({}, products.primal, products):
        terms = _like_terms_added(_terms(value, products=known))
        if terms is not None:
            new = _sum([_contracted(term, known) for term in terms])
            if _operations(new) < _operations(best):
                best = new
    return None if best is value else best


def _product_binding(stmt, scalars: frozenset) -> str | None:
    """t for `t = x * y` (a product of scalars and numbers, t not among them)."""
    name = syntax.assigned_name(stmt)
    if name not in scalars:
        return None
    terms = _terms(stmt.value) if _arithmetic(stmt.value, scalars, {}) else []
    if len(terms) != 1 or not terms[0].factors or \
            any(f.__class__ is not gast.Name or f.id == name for f in terms[0].factors):
        return None
    return name


def _contracted(term: _Term, products: dict) -> _Term:
    """`term` with the factors of a product bound earlier replaced by its name:
    3 * x * x with t = x * x bound is 3 * t."""
    keys = Counter(term.keys())
    readers = getattr(products, "readers", {})
    for name in sorted({name for key in keys for name in readers.get(key, ())}):
        product = products.get(name)
        if product is None or product.coefficient != 1 or len(product.factors) < 2:
            continue
        wanted = Counter(product.keys())
        if all(keys[k] >= n for k, n in wanted.items()):
            factors = list(term.factors)
            for key in product.keys():
                factors = _without(factors, key)
            return _Term(term.coefficient, factors + [syntax.name(name)])
    return term


def _arithmetic(expr, scalars: frozenset, modules: dict) -> bool:
    """Only names in `scalars`, number literals, arithmetic and elementwise functions
    of `modules`: values for which `+` and `*` are the arithmetic of numbers, so
    that reordering, and evaluating an operand once instead of twice, is safe."""
    cls = expr.__class__
    if cls is gast.Name:
        return expr.id in scalars
    if cls is gast.Constant:
        return syntax.number_value(expr) is not None
    if cls is gast.BinOp:
        return expr.op.__class__ is not gast.MatMult and \
            _arithmetic(expr.left, scalars, modules) and _arithmetic(expr.right, scalars, modules)
    if cls is gast.UnaryOp:
        return expr.op.__class__ is gast.USub and _arithmetic(expr.operand, scalars, modules)
    if cls is gast.Call:
        return elementwise_function(expr.func, modules) and not expr.keywords and \
            all(_arithmetic(arg, scalars, modules) for arg in expr.args)
    return False


def elementwise_function(func, modules: dict) -> bool:
    """`np.cos` or `math.cos`: an elementwise function of one of `modules`."""
    if func.__class__ is not gast.Attribute or func.value.__class__ is not gast.Name or \
            func.value.id not in modules:
        return False
    return is_elementwise(getattr(modules[func.value.id], func.attr, None))


def _terms(expr, sign=1, out=None, products=None) -> list:
    """The signed products a sum adds; a name in `products` stands for its product."""
    out = [] if out is None else out
    cls, op = expr.__class__, getattr(expr, "op", None).__class__
    if cls is gast.BinOp and op in (gast.Add, gast.Sub):
        _terms(expr.left, sign, out, products)
        _terms(expr.right, -sign if op is gast.Sub else sign, out, products)
    elif cls is gast.UnaryOp:
        _terms(expr.operand, -sign, out, products)
    else:
        term = _Term(sign, [])
        _collect_factors(expr, term, products or {})
        out.append(term)
    return out


def _collect_factors(expr, term: _Term, products: dict) -> None:
    value = syntax.number_value(expr)
    if value is not None:
        term.coefficient *= value
    elif expr.__class__ is gast.BinOp and expr.op.__class__ is gast.Mult:
        _collect_factors(expr.left, term, products)
        _collect_factors(expr.right, term, products)
    elif expr.__class__ is gast.UnaryOp:
        term.coefficient = -term.coefficient
        _collect_factors(expr.operand, term, products)
    elif expr.__class__ is gast.Name and expr.id in products:
        term.coefficient *= products[expr.id].coefficient
        term.factors += products[expr.id].factors
    else:
        term.factors.append(expr)


def _like_terms_added(terms: list) -> list | None:
    """Terms with the same factors merged (coefficients added); None if some
    merge cancels (left as written)."""
    merged, order = {}, []
    for term in terms:
        key = tuple(sorted(term.keys()))
        if key in merged:
            merged[key].coefficient += term.coefficient
            if merged[key].coefficient == 0:
                return None
        else:
            merged[key] = _Term(term.coefficient, list(term.factors))
            order.append(key)
    return [merged[key] for key in order]


def _sum(terms: list) -> gast.expr:
    """The sum of `terms`, a factor shared by several of them taken out first."""
    counts = Counter(k for term in terms for k in set(term.keys()))
    shared = max(counts, key=counts.get, default=None)
    if shared is not None and counts[shared] > 1:
        group = [t for t in terms if shared in t.keys()]
        factor = next(f for f in group[0].factors if syntax.code_key(f) == shared)
        sign = -1 if all(t.coefficient < 0 for t in group) else 1  # `- g * (a + x)`
        inner = [_Term(sign * t.coefficient, _without(t.factors, shared)) for t in group]
        grouped = _Term(sign, [factor, _sum(inner)])
        members = {id(t) for t in group}
        terms = [grouped if t is group[0] else t for t in terms
                 if t is group[0] or id(t) not in members]
    return _sum_as_written(terms)


def _sum_as_written(terms: list) -> gast.expr:
    expr = _product(terms[0])
    for term in terms[1:]:
        negative = term.coefficient < 0
        magnitude = _Term(abs(term.coefficient), term.factors)
        expr = gast.BinOp(left=expr, op=gast.Sub() if negative else gast.Add(),
                          right=_product(magnitude))
    return expr


def _product(term: _Term) -> gast.expr:
    coefficient = term.coefficient
    written = abs(coefficient) != 1 or not term.factors
    factors = ([syntax.number(abs(coefficient))] if written else []) + term.factors
    expr = factors[0]
    for factor in factors[1:]:
        expr = gast.BinOp(left=expr, op=gast.Mult(), right=factor)
    if coefficient < 0:
        expr = gast.UnaryOp(op=gast.USub(), operand=expr)
    return expr


def _without(factors: list, key: str) -> list:
    k = next(i for i, f in enumerate(factors) if syntax.code_key(f) == key)
    return factors[:k] + factors[k + 1:]




def _operations(expr) -> int:
    return sum(1 for sub in syntax.walk(expr)
               if sub.__class__ is gast.BinOp or sub.__class__ is gast.UnaryOp)
