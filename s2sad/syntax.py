"""Small vocabulary for building and inspecting gast trees.

Every pass builds nodes through these helpers rather than through gast's
positional constructors, so a change in gast's node fields touches one file.
"""
from __future__ import annotations

import textwrap
from typing import Iterable, Iterator

import gast

# Annotation keys stored on nodes (as attributes with a private prefix).
ANNO_PREFIX = "_s2sad_"


def anno(node: gast.AST, key: str, default=None):
    """Return the annotation `key` of `node`."""
    return getattr(node, ANNO_PREFIX + key, default)


def set_anno(node: gast.AST, key: str, value) -> None:
    """Attach an annotation to `node`; it survives copies made with `clone`."""
    setattr(node, ANNO_PREFIX + key, value)


def copy_annos(src: gast.AST, dst: gast.AST) -> gast.AST:
    """Copy every annotation of `src` onto `dst` and return `dst`."""
    for key, value in vars(src).items():
        if key.startswith(ANNO_PREFIX):
            setattr(dst, key, value)
    return dst


def clone(node):
    """Deep copy of a node (or list of nodes), annotations included.

    Faster than copy.deepcopy: it copies nodes and lists, and shares the leaves
    (identifiers, constants, annotations), which are never changed in place.
    """
    return substitute(node, {})


def same(a, b) -> bool:
    """Whether two trees spell the same code (positions and annotations aside)."""
    if a.__class__ is not b.__class__:
        return False
    if a.__class__ is list:
        return len(a) == len(b) and all(map(same, a, b))
    if not isinstance(a, gast.AST):
        return a == b
    return all(same(getattr(a, f, None), getattr(b, f, None)) for f in a._fields)


def locate(stmts: list, source: gast.AST) -> list:
    """`stmts`, each statement without a position (nested ones too) given that of
    `source`: generated code keeps the user's line its statements came from."""
    lineno = getattr(source, "lineno", None)
    if lineno is None:
        return stmts
    for stmt in stmts:
        if getattr(stmt, "lineno", None) is None:
            stmt.lineno, stmt.col_offset = lineno, getattr(source, "col_offset", 0)
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                locate(inner, stmt)
    return stmts


# ---------------------------------------------------------------- builders

def name(identifier: str, ctx: str = "load") -> gast.Name:
    contexts = {"load": gast.Load, "store": gast.Store, "param": gast.Param, "del": gast.Del}
    return gast.Name(id=identifier, ctx=contexts[ctx](), annotation=None, type_comment=None)


def constant(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target, value: gast.expr) -> gast.Assign:
    """`target = value`; `target` may be a string or a node."""
    if isinstance(target, str):
        target = name(target, "store")
    else:
        target = as_store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def call(func, *args: gast.expr, **keywords: gast.expr) -> gast.Call:
    if isinstance(func, str):
        func = parse_expr(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    return gast.Call(func=func, args=list(args), keywords=kws)


def expr_stmt(value: gast.expr) -> gast.Expr:
    return gast.Expr(value=value)


def if_(test: gast.expr, body: list, orelse: list | None = None) -> gast.If:
    return gast.If(test=test, body=body, orelse=orelse or [])


def for_(target, iterable: gast.expr, body: list) -> gast.For:
    if isinstance(target, str):
        target = name(target, "store")
    return gast.For(target=as_store(target), iter=iterable, body=body, orelse=[],
                    type_comment=None)


def while_(test: gast.expr, body: list) -> gast.While:
    return gast.While(test=test, body=body, orelse=[])


def tuple_(elts: Iterable[gast.expr], ctx: str = "load") -> gast.Tuple:
    return gast.Tuple(elts=list(elts), ctx=gast.Store() if ctx == "store" else gast.Load())


def return_(value: gast.expr | None) -> gast.Return:
    return gast.Return(value=value)


def comment(text: str) -> gast.Expr:
    """A statement that code generation prints as `# text`."""
    node = expr_stmt(constant(text))
    set_anno(node, "comment", True)
    return node


def is_comment(node: gast.AST) -> bool:
    return bool(anno(node, "comment"))


def function_def(fname: str, params: list[str], body: list,
                 defaults: list[gast.expr] | None = None,
                 keyword_only: list | None = None) -> gast.FunctionDef:
    """`def fname(params, *, keyword_only)`; `keyword_only` holds (name, default or
    None) pairs."""
    keyword_only = keyword_only or []
    args = gast.arguments(args=[name(p, "param") for p in params], posonlyargs=[],
                          vararg=None, kwonlyargs=[name(k, "param") for k, _ in keyword_only],
                          kw_defaults=[d for _, d in keyword_only], kwarg=None,
                          defaults=defaults or [])
    return gast.FunctionDef(name=fname, args=args, body=body, decorator_list=[],
                            returns=None, type_comment=None, type_params=[])


# ---------------------------------------------------------------- quoting

def parse_stmts(source: str) -> list:
    """Parse a snippet of statements."""
    return gast.parse(textwrap.dedent(source)).body


def parse_expr(source: str) -> gast.expr:
    """Parse a single expression."""
    return gast.parse(source.strip(), mode="eval").body


def as_store(node: gast.expr) -> gast.expr:
    """Copy of an assignable expression with Store context."""
    node = clone(node)
    if isinstance(node, (gast.Name, gast.Subscript, gast.Attribute)):
        node.ctx = gast.Store()
    elif isinstance(node, (gast.Tuple, gast.List)):
        node.ctx = gast.Store()
        node.elts = [as_store(e) for e in node.elts]
    return node


def as_load(node: gast.expr) -> gast.expr:
    node = clone(node)
    for sub in gast.walk(node):
        if hasattr(sub, "ctx") and not isinstance(sub.ctx, gast.Param):
            sub.ctx = gast.Load()
    return node


# ---------------------------------------------------------------- queries

def is_atom(node: gast.expr) -> bool:
    """A name or a literal: what normalized code allows as an operand."""
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return isinstance(node.operand, gast.Constant)
    return False


def assigned_name(stmt: gast.stmt) -> str | None:
    """v for a plain `v = ...` (one name bound), else None."""
    if stmt.__class__ is gast.Assign and len(stmt.targets) == 1 and \
            stmt.targets[0].__class__ is gast.Name:
        return stmt.targets[0].id
    return None


def constant_value(node: gast.expr):
    """The Python value of a literal atom (handles a negated literal)."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return -node.operand.value
    raise TypeError("not a literal")


def is_literal(node: gast.expr) -> bool:
    return is_atom(node) and not isinstance(node, gast.Name)


def number_value(node: gast.expr) -> int | float | None:
    """The int or float a literal spells (not a bool), else None."""
    if is_literal(node):
        value = constant_value(node)
        if value.__class__ is int or value.__class__ is float:
            return value
    return None


def number(value: int | float) -> gast.expr:
    """A literal for `value`, a negative one as a negation (as the parser writes it)."""
    if value < 0:
        return gast.UnaryOp(op=gast.USub(), operand=constant(-value))
    return constant(value)


def names_loaded(node) -> set[str]:
    """Identifiers read anywhere inside `node` (a node or list of nodes)."""
    return set(name_occurrences(node)[0])


def names_stored(node) -> set[str]:
    """Identifiers bound anywhere inside `node` (assignment or loop targets)."""
    return set(name_occurrences(node)[1])


def names_read_and_bound(node) -> tuple:
    """(names_loaded(node), names_stored(node)) in one walk."""
    loaded, stored = name_occurrences(node)
    return set(loaded), set(stored)


def name_occurrences(node) -> tuple:
    """(identifiers read, identifiers bound) inside `node`, one entry per occurrence."""
    loaded, stored = [], []
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        if item.__class__ is gast.Name:
            ctx = item.ctx.__class__
            if ctx is gast.Load:
                loaded.append(item.id)
            elif ctx is gast.Store or ctx is gast.Param:
                stored.append(item.id)
            if item.annotation is not None:
                stack.append(item.annotation)
        else:
            _push_children(item, stack)
    return loaded, stored


def all_names(node) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, gast.Name)}


def statements(stmts: list) -> Iterator[gast.stmt]:
    """Every statement in `stmts`, nested ones included, in order; not those of
    a nested function definition, which belong to another function."""
    for stmt in stmts:
        yield stmt
        if stmt.__class__ is gast.FunctionDef:
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from statements(inner)


def statement_lists(stmts: list) -> Iterator[list]:
    """`stmts` and every list of statements nested in it (bodies and else
    branches), not those of a nested function definition; a list rewritten in
    place before the walk reaches its statements is walked as rewritten."""
    yield stmts
    for stmt in statements(stmts):
        if stmt.__class__ is not gast.FunctionDef:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner:
                    yield inner


def code_key(node) -> str:
    """A text, equal for nodes that spell the same code whatever their contexts and
    locations (gast.dump's question, a tenth of its time); a name's is its id."""
    cls = node.__class__
    if cls is gast.Name:
        return node.id
    if cls is gast.Constant or not isinstance(node, (gast.AST, list)):
        return repr(getattr(node, "value", node))
    if cls is list:
        return "[" + ",".join(map(code_key, node)) + "]"
    return cls.__name__ + "(" + ",".join(
        code_key(getattr(node, field, None)) for field in node._fields
        if field != "ctx" and field != "type_comment") + ")"


def walk(node) -> Iterator[gast.AST]:
    """Every node inside `node` (a node or a list of nodes), except the context and
    operator leaves (Load, Add, ...) that no pass asks for; faster than gast.walk."""
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        item = stack.pop()
        if item is not None:  # a missing key in a `{**d}` literal
            yield item
            _push_children(item, stack)


def _push_children(item: gast.AST, stack: list) -> None:
    fields = _CHILD_FIELDS.get(item.__class__)  # child_fields without a call per node
    for field in child_fields(item.__class__) if fields is None else fields:
        value = getattr(item, field, None)
        if value is None:
            continue
        if value.__class__ is list:
            stack.extend(value)
        elif isinstance(value, gast.AST):
            stack.append(value)


# Fields that never hold a node worth visiting: identifiers, contexts, operators.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "kind", "type_comment",
                          "names", "kwd_attrs"})
_CHILD_FIELDS: dict = {}


def child_fields(cls: type) -> tuple:
    """The fields of a node class that may hold nodes worth visiting."""
    try:
        return _CHILD_FIELDS[cls]
    except KeyError:
        fields = () if cls is gast.Constant else \
            tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
        _CHILD_FIELDS[cls] = fields
        return fields


def dotted_name(node: gast.expr) -> str | None:
    """'np.linalg.norm' for the expression np.linalg.norm, else None."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def replace_read(node: gast.AST, identifier: str, value: gast.expr) -> bool:
    """Put `value` itself (not a copy) in place of the first read of `identifier`
    inside `node`; False if there is none."""
    stack = [node]
    while stack:
        item = stack.pop()
        for field in child_fields(item.__class__):
            child = getattr(item, field, None)
            if child.__class__ is list:
                for k, element in enumerate(child):
                    if _reads(element, identifier):
                        child[k] = value
                        return True
                stack.extend(e for e in child if isinstance(e, gast.AST))
            elif _reads(child, identifier):
                setattr(item, field, value)
                return True
            elif isinstance(child, gast.AST):
                stack.append(child)
    return False


def _reads(node, identifier: str) -> bool:
    return node.__class__ is gast.Name and node.id == identifier and \
        node.ctx.__class__ is gast.Load


def substitute(node, mapping: dict):
    """Copy of `node` (or list) with names replaced according to `mapping`:
    {'x': 'y'} renames x everywhere; {'x': <expr>} puts a fresh copy of the
    expression in place of each read of x."""
    if isinstance(node, list):
        return [_copy(item, mapping) for item in node]
    return _copy(node, mapping)


def _copy(node, mapping: dict):
    cls = node.__class__
    if cls is gast.Name and node.id in mapping:
        replacement = mapping[node.id]
        if isinstance(replacement, str):
            return gast.Name(id=replacement, ctx=node.ctx, annotation=None, type_comment=None)
        if isinstance(node.ctx, gast.Load):
            return _copy(replacement, {})
    new = cls.__new__(cls)
    for key, value in node.__dict__.items():
        if value.__class__ is list:
            value = [_copy(v, mapping) if isinstance(v, gast.AST) else v for v in value]
        elif isinstance(value, gast.AST):
            value = _copy(value, mapping)
        new.__dict__[key] = value
    return new
