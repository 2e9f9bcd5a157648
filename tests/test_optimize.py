"""Unit tests for each optimizer pass in s2sad/optimize/, one group per pass.

Every test parses a small function, runs one pass on it and checks
(a) the exact code the pass leaves and the "changed" flag it returns, and
(b) that the rewritten function computes the same values as the original on
random float64 inputs (arrays of broadcasting shapes where shapes matter).

The last group runs s2sad.grad end to end on functions that once went wrong
in a pass, and compares the gradient with central finite differences.
"""
from __future__ import annotations

import copy
import math
import re
import textwrap

import gast
import numpy as np
import pytest
from numpy.testing import assert_allclose

import s2sad
from gradcheck import finite_difference
from s2sad import runtime, syntax
from s2sad.codegen import to_source
from s2sad.draws import DRAWS
from s2sad.emit import Emitter
from s2sad.normalize import normalize
from s2sad.optimize import optimize
from s2sad.optimize.blocks import NameTable
from s2sad.optimize.branches import merge_branches
from s2sad.optimize.copies import merge_contributions, propagate_copies
from s2sad.optimize.dce import eliminate_dead_code
from s2sad.optimize.factor import factor_sums
from s2sad.optimize.inline import inline_temporaries
from s2sad.optimize.inplace import FRESH, accumulate_in_place
from s2sad.optimize.loops import refold_while_tests
from s2sad.optimize.reuse import reuse_values
from s2sad.optimize.simplify import simplify
from s2sad.parsing import parse_function
from s2sad.optimize.tape import SAVE, drop_redundant_saves

# ---------------------------------------------------------------- helpers

NAMESPACE = {"np": np, "math": math, "unbroadcast": runtime.unbroadcast,
             "zeros_like": runtime.zeros_like}
UNCHANGED = None  # expected text: the input, printed as it was
# x and y as float64 scalars, then as arrays that broadcast against each other
SCALARS_AND_ARRAYS = [("f", "f"), ((3, 1), (4,))]


def parse(src: str) -> gast.FunctionDef:
    return gast.parse(textwrap.dedent(src)).body[0]


def compile_node(node: gast.FunctionDef):
    namespace = dict(NAMESPACE)
    exec(to_source(node), namespace)
    return namespace[node.name]


def sample(rng, kind):
    """'f': a float64 scalar, 'n': a small loop count, a tuple: an array of that shape."""
    if kind == "f":
        return float(rng.normal())
    if kind == "n":
        return int(rng.integers(0, 5))
    return rng.normal(size=kind)


def assert_same_values(before, after, kinds, draws=5):
    rng = np.random.default_rng(20240601)
    for _ in range(draws):
        args = [sample(rng, kind) for kind in kinds]
        want = before(*copy.deepcopy(args))
        got = after(*copy.deepcopy(args))
        assert np.shape(got) == np.shape(want)
        assert_allclose(got, want, rtol=1e-12, atol=0)


def check(pass_, src, expected, *, changed, kinds=None, pass_args=()):
    """Run `pass_` on `src`; compare its text, its flag and its values with the input's.

    `kinds` is a list of argument descriptions (see `sample`), each tried on a
    few random draws; by default every argument is a float.
    """
    node = parse(src)
    before_text = to_source(node)
    before = compile_node(node)
    flag = pass_(node, *pass_args)
    text = to_source(node)
    want = before_text if expected is UNCHANGED else textwrap.dedent(expected).lstrip("\n")
    assert text == want
    assert flag is changed
    after = compile_node(node)
    for kinds_ in kinds or [("f",) * len(node.args.args)]:
        assert_same_values(before, after, kinds_)
    return node


def mark_saves(node: gast.FunctionDef, *keys) -> gast.FunctionDef:
    """Pair pushes and pops as reverse mode does: the n-th `tape.append`/`tape.pop`
    statement, in source order, gets the SAVE annotation keys[n]."""
    def tape_statements(stmts):
        for stmt in stmts:
            value = getattr(stmt, "value", None)
            if isinstance(stmt, (gast.Expr, gast.Assign)) and isinstance(value, gast.Call) \
                    and syntax.dotted_name(value.func) in ("tape.append", "tape.pop"):
                yield stmt
            for field in ("body", "orelse"):
                yield from tape_statements(getattr(stmt, field, None) or [])
    statements = list(tape_statements(node.body))
    assert len(statements) == len(keys)
    for stmt, key in zip(statements, keys):
        syntax.set_anno(stmt, SAVE, key)
    return node


def no_protection(pass_):
    return lambda node: pass_(node, set())


inline = no_protection(inline_temporaries)
copies = no_protection(propagate_copies)


def drop_saves(node):
    return drop_redundant_saves(node, "tape")


# ---------------------------------------------------------------- simplify

@pytest.mark.parametrize("expr, folded", [
    ("2 * 3 + 1", "7"),            # constants fold
    ("2 - 5", "-3"),               # a negative result prints as a negated literal
    ("1 / 4 * x", "0.25 * x"),
    ("2 ** 3 * x", "8 * x"),
    ("x * 1", "x"),                # neutral elements
    ("1 * x", "x"),
    ("x / 1", "x"),
    ("x + 0", "x"),
    ("0 + x", "x"),
    ("x - 0", "x"),
    ("x ** 1", "x"),
    ("0 - x", "-x"),               # 0 - x is a negation
    ("x * -1", "-x"),
    ("-(-x)", "x"),                # double negation
    ("-(-(-x))", "-x"),
    ("x + -y", "x - y"),           # a + (-b) -> a - b
    ("x - -y", "x + y"),
    ("-x * y", "-(x * y)"),        # negation moves out of a product or quotient
    ("-x / y", "-(x / y)"),
    ("x * -y", "-(x * y)"),
    ("(x + 0) * 1 + (y - 0) * 1", "x + y"),  # rules apply bottom up, in one call
    ("2 * (x * 0.5 / y)", "x / y"),  # powers of two meet in a quotient: exact
    ("0.5 * (x / 0.5 / y)", "x / y"),
    ("4 * (x / 0.5 / y)", "x * 8.0 / y"),
    ("2 * (x / y * 0.25)", "x / y * 0.5"),
])
def test_simplify_folds(expr, folded):
    check(simplify, f"""
        def f(x, y):
            return {expr}
        """, f"""
        def f(x, y):
            return {folded}
        """, changed=True, kinds=SCALARS_AND_ARRAYS)


@pytest.mark.parametrize("expr", [
    "0 * x",         # keeps x's shape: an array of zeros, not the scalar 0
    "x * 0",
    "x - x",
    "2 ** 10 * x",   # large powers are left to run time
    "(1 / 0 if y is None else x)",   # so is a division by zero (never run here)
    "-2 * x",        # a negated literal stays where it is
    "x / -y",        # only a product moves a negation out of its right operand
    "x + 1 - 1",     # no reassociation
    "2 * (x * 0.5 * y)",   # powers of two meet only where a division makes a float
    "3 * (x * 0.5 / y)",   # a factor other than a power of two would round
    "2 * (x * 0.3 / y)",
])
def test_simplify_leaves(expr):
    check(simplify, f"""
        def f(x, y):
            return {expr}
        """, UNCHANGED, changed=False, kinds=SCALARS_AND_ARRAYS)


@pytest.mark.parametrize("expr, kept", [
    ("0 * x", "0 * x"),
    ("x - x", "x - x"),
    ("(0 * x + 0) * 1", "0 * x"),
    ("x * 0 - 0", "x * 0"),
])
def test_simplify_keeps_the_shape_of_a_zero_product(expr, kept):
    node = check(simplify, f"""
        def f(x):
            return {expr}
        """, f"""
        def f(x):
            return {kept}
        """, changed=expr != kept, kinds=[("f",), ((3, 1),)])
    x = np.random.default_rng(1).normal(size=(3, 1))
    result = compile_node(node)(x)
    assert np.shape(result) == (3, 1)
    assert_allclose(result, np.zeros((3, 1)))


@pytest.mark.parametrize("expr, folded", [
    ("x - x / (1.0 + e) * e", "x / (1.0 + e)"),
    ("y + x - x / (e + 1) * e", "y + x / (e + 1)"),
])
def test_simplify_joins_a_sigmoid_complement(expr, folded):
    """x - x e/(1+e) = x/(1+e): softplus's adjoint beside its argument's."""
    check(simplify, f"""
        def f(x, y):
            e = np.exp(y)
            return {expr}
        """, f"""
        def f(x, y):
            e = np.exp(y)
            return {folded}
        """, changed=True, kinds=SCALARS_AND_ARRAYS)


@pytest.mark.parametrize("expr", [
    "x - y / (1.0 + e) * e",     # another numerator
    "x - x / (2.0 + e) * e",     # not 1 + e
    "x - x / (1.0 + e) * y",     # another factor
    "y - x - x / (1.0 + e) * e",  # x subtracted, not added
])
def test_simplify_leaves_what_only_looks_like_a_sigmoid_complement(expr):
    check(simplify, f"""
        def f(x, y):
            e = np.exp(y)
            return {expr}
        """, UNCHANGED, changed=False, kinds=SCALARS_AND_ARRAYS)


def test_simplify_does_not_revisit_a_rewritten_node_in_the_same_call():
    # 0 - (-y) becomes -(-y) bottom up, and only the next call (optimize loops) sees it
    node = check(simplify, """
        def f(x, y):
            return x + (0 - -y)
        """, """
        def f(x, y):
            return x - -y
        """, changed=True, kinds=SCALARS_AND_ARRAYS)
    assert simplify(node) is True
    assert to_source(node) == "def f(x, y):\n    return x + y\n"
    assert simplify(node) is False


def test_simplify_turns_an_empty_if_branch_into_a_negated_test():
    # if c: pass  else: B   ->   if not c: B
    check(simplify, """
        def f(x, c):
            y = x
            if c > 0:
                pass
            else:
                y = x + 2
            return y
        """, """
        def f(x, c):
            y = x
            if not c > 0:
                y = x + 2
            return y
        """, changed=True)


def test_simplify_keeps_an_if_whose_body_has_code():
    check(simplify, """
        def f(x, c):
            y = x
            if c > 0:
                y = x + 1
            else:
                pass
            return y
        """, UNCHANGED, changed=False)


def test_simplify_reaches_into_loops_and_branches():
    check(simplify, """
        def f(x, n):
            for i in range(n):
                if x > 0:
                    x = x * 1 - (-1)
            return x
        """, """
        def f(x, n):
            for i in range(n):
                if x > 0:
                    x = x + 1
            return x
        """, changed=True, kinds=[("f", "n")])


# ---------------------------------------------------------------- dce

def test_dce_drops_an_unused_pure_assignment():
    check(eliminate_dead_code, """
        def f(x, y):
            a = x * y
            b = np.sin(x)
            return x + y
        """, """
        def f(x, y):
            return x + y
        """, changed=True)


def test_dce_drops_an_assignment_overwritten_before_it_is_read():
    check(eliminate_dead_code, """
        def f(x, y):
            z = x + 1
            z = y * 2
            return z
        """, """
        def f(x, y):
            z = y * 2
            return z
        """, changed=True)


def test_dce_keeps_an_unused_method_call_on_a_local_as_a_statement():
    # tape.pop() changes the tape: the value goes, the call stays
    check(eliminate_dead_code, """
        def f(x):
            tape = [x, 2 * x]
            a = tape.pop()
            return x + len(tape)
        """, """
        def f(x):
            tape = [x, 2 * x]
            tape.pop()
            return x + len(tape)
        """, changed=True, kinds=[("f",)])


def test_dce_keeps_whatever_either_branch_reads():
    check(eliminate_dead_code, """
        def f(x, c):
            a = x + 1
            b = x * 2
            if c > 0:
                y = a
            else:
                y = b
            return y
        """, UNCHANGED, changed=False)


def test_dce_empties_one_branch_and_keeps_the_other():
    check(eliminate_dead_code, """
        def f(x, c):
            y = x
            if c > 0:
                dead = x * 2
            else:
                y = x + 1
            return y
        """, """
        def f(x, c):
            y = x
            if c > 0:
                pass
            else:
                y = x + 1
            return y
        """, changed=True)


def test_dce_drops_a_self_assignment_even_when_the_name_is_live():
    check(eliminate_dead_code, """
        def f(x):
            y = x * 2
            y = y
            return y
        """, """
        def f(x):
            y = x * 2
            return y
        """, changed=True)


def test_dce_removes_an_if_with_no_code_left():
    check(eliminate_dead_code, """
        def f(x, c):
            a = x + 1
            b = x * 2
            if c > 0:
                y = a
                z = b
            return x
        """, """
        def f(x, c):
            return x
        """, changed=True)


def test_dce_keeps_a_value_read_in_the_next_iteration():
    # `prev` is read at the top of the next iteration; `dead` never is
    check(eliminate_dead_code, """
        def f(x, n):
            prev = x
            y = x
            for i in range(n):
                y = y + prev
                prev = x * i
                dead = y * 3
            return y
        """, """
        def f(x, n):
            prev = x
            y = x
            for i in range(n):
                y = y + prev
                prev = x * i
            return y
        """, changed=True, kinds=[("f", "n")])


def test_dce_keeps_what_a_while_test_reads():
    check(eliminate_dead_code, """
        def f(x, n):
            i = 0
            while i < n:
                x = x * 2
                j = i
                i = i + 1
            return x
        """, """
        def f(x, n):
            i = 0
            while i < n:
                x = x * 2
                i = i + 1
            return x
        """, changed=True, kinds=[("f", "n")])


def test_dce_removes_a_for_loop_with_no_code_left():
    check(eliminate_dead_code, """
        def f(x, n):
            prev = x
            for i in range(n):
                prev = x * i
            return x
        """, """
        def f(x, n):
            return x
        """, changed=True, kinds=[("f", "n")])


@pytest.mark.parametrize("compound", ["for i in range(n):", "if x > 0:"])
def test_dce_removes_a_compound_statement_that_does_nothing(compound):
    check(eliminate_dead_code, f"""
        def f(x, n):
            {compound}
                pass
            return x
        """, """
        def f(x, n):
            return x
        """, changed=True, kinds=[("f", "n")])


def test_dce_keeps_a_while_loop_with_no_code_left():
    # whether it ends is up to the loop
    check(eliminate_dead_code, """
        def f(x, n):
            while x > 1000.0:
                dead = x * 2
            return x
        """, """
        def f(x, n):
            while x > 1000.0:
                pass
            return x
        """, changed=True, kinds=[("f", "n")])


def test_dce_a_for_loop_binds_its_target():
    # i is bound by the loop before the body reads it: `i = 5` is dead
    check(eliminate_dead_code, """
        def f(x, n):
            i = 5
            for i in range(n):
                x = x + i
            return x
        """, """
        def f(x, n):
            for i in range(n):
                x = x + i
            return x
        """, changed=True, kinds=[("f", "n")])


def test_dce_keeps_a_loop_result_read_after_the_loop():
    check(eliminate_dead_code, """
        def f(x, n):
            s = x
            for i in range(n):
                t = s * 2
                s = s + x
            return s
        """, """
        def f(x, n):
            s = x
            for i in range(n):
                s = s + x
            return s
        """, changed=True, kinds=[("f", "n")])


def test_dce_keeps_a_loop_whose_target_is_read_after_it():
    node = parse("""
        def f(x, n):
            for i in range(n + 1):
                t = i * 2
            return x * i
        """)
    before = compile_node(node)
    eliminate_dead_code(node)
    assert_same_values(before, compile_node(node), ("f", "n"))


def test_dce_keeps_the_effect_of_an_if_test():
    node = parse("""
        def f(x):
            stack = [x, 1.0]
            if stack.pop() > 0:
                y = 1
            return len(stack) * x
        """)
    before = compile_node(node)
    eliminate_dead_code(node)
    assert_same_values(before, compile_node(node), ("f",))


def test_dce_keeps_a_chained_assignment_with_a_live_target():
    node = parse("""
        def f(x):
            a = b = x + 1
            return b
        """)
    before = compile_node(node)
    eliminate_dead_code(node)
    assert_same_values(before, compile_node(node), ("f",))


def test_dce_removes_a_loop_that_only_binds_names_nobody_reads_after_it():
    check(eliminate_dead_code, """
        def f(x, n):
            s = x
            for i in range(n):
                t = s * i
                if t > 1.0:
                    t = t - 1.0
                s = s + t
            return x * 2
        """, """
        def f(x, n):
            return x * 2
        """, changed=True, kinds=[("f", "n")])


NESTED_WHILE = """
    def f(x, n):
        for i in range(n):
            y = x + i
            while y > 1.0:
                y = y * 0.5
        return x * 2
    """


def test_dce_removes_a_dead_loop_with_a_while_the_reverse_sweep_runs_again():
    node = parse(NESTED_WHILE)
    before = compile_node(node)
    syntax.set_anno(node.body[0], "rerun", True)  # as reverse mode marks a primal loop
    assert eliminate_dead_code(node) is True
    assert to_source(node) == "def f(x, n):\n    return x * 2\n"
    assert_same_values(before, compile_node(node), ("f", "n"))


def test_dce_keeps_a_dead_loop_with_a_while_nothing_runs_again():
    # whether the `while` ends is up to it
    check(eliminate_dead_code, NESTED_WHILE, UNCHANGED, changed=False, kinds=[("f", "n")])


@pytest.mark.parametrize("statement", [
    "seen.append(t)",              # a method call on a local: it changes the list
    "print(t)",                    # a call for its effect
    "u = np.random.normal()",      # a draw from NumPy's generator
    "u = rs.normal()",             # a draw from a generator object
    "buffer[0] = t",               # a write into an array
])
def test_dce_keeps_a_dead_loop_with_an_effect(statement):
    node = parse(f"""
        def f(x, n, rs, seen, buffer):
            for i in range(n):
                t = x * i
                {statement}
            return x * 2
        """)
    for call in gast.walk(node):  # as s2sad.draws marks the calls that may draw
        if isinstance(call, gast.Call) and "random" in to_source(call):
            syntax.set_anno(call, DRAWS, True)
    eliminate_dead_code(node)
    assert isinstance(node.body[0], gast.For)


# ---------------------------------------------------------------- inline

def test_inline_substitutes_a_single_use_temporary():
    check(inline, """
        def f(x, y):
            t = x * y
            z = t + 1
            return z
        """, """
        def f(x, y):
            return x * y + 1
        """, changed=True)


def test_inline_parenthesizes_and_may_overwrite_an_operand_in_the_use():
    # the use reads t before it binds x again
    check(inline, """
        def f(x, y):
            t = x + y
            x = t * 2
            return x
        """, """
        def f(x, y):
            x = (x + y) * 2
            return x
        """, changed=True)


def test_inline_not_when_the_statement_would_outgrow_a_line():
    check(inline, """
        def f(x, y):
            t = np.sin(x) * np.cos(y) + np.exp(x * y) / (1.0 + x * x)
            z = np.tanh(t * y + x * (x - y) * (y - x) * (1.0 + y * y))
            return z
        """, """
        def f(x, y):
            t = np.sin(x) * np.cos(y) + np.exp(x * y) / (1.0 + x * x)
            return np.tanh(t * y + x * (x - y) * (y - x) * (1.0 + y * y))
        """, changed=True)


def test_inline_each_binding_of_a_block_local_name_read_once():
    # t is bound twice in the loop body, each value read once before the next
    # binding; the while test's temporary u likewise
    check(inline, """
        def f(x, n):
            s = 0.0
            for i in range(n):
                t = x * i
                s = s + t
                t = s * 0.5
                x = x - t
            u = abs(x)
            c = u > 1.0
            while c:
                x = x * 0.5
                u = abs(x)
                c = u > 1.0
            return s + x
        """, """
        def f(x, n):
            s = 0.0
            for i in range(n):
                s = s + x * i
                x = x - s * 0.5
            c = abs(x) > 1.0
            while c:
                x = x * 0.5
                c = abs(x) > 1.0
            return s + x
        """, changed=True, kinds=[("f", "n")])


@pytest.mark.parametrize("body", [
    "t = x * i\n                s = s + t + t",             # read twice
    "s = s + t\n                t = x * i",                 # read across iterations
    "t = x * i\n                if s > 0:\n                    t = s\n                s = s + t",
    "t = x * i\n                for k in range(2):\n                    s = s + t",
])
def test_inline_keeps_a_binding_whose_value_may_be_read_twice(body):
    check(inline, f"""
        def f(x, n):
            s = 0.0
            t = 1.0
            for i in range(n):
                {body}
            return s
        """, UNCHANGED, changed=False, kinds=[("f", "n")])


def test_inline_a_branch_test_into_its_if_unless_a_branch_reads_it():
    check(inline, """
        def f(x, y):
            c = x > 1.0
            if c:
                y = y * 2.0
            d = y > 3.0
            if d:
                y = y + 1.0
            else:
                y = y - float(d) + np.sin(x) * np.cos(y) * np.exp(x - y) * (1.0 + x * y)
            return y
        """, """
        def f(x, y):
            if x > 1.0:
                y = y * 2.0
            d = y > 3.0
            if d:
                y = y + 1.0
            else:
                y = y - float(d) + np.sin(x) * np.cos(y) * np.exp(x - y) * (1.0 + x * y)
            return y
        """, changed=True)


def test_inline_not_when_read_twice():
    check(inline, """
        def f(x, y):
            t = x * y
            z = t + t
            return z
        """, """
        def f(x, y):
            t = x * y
            return t + t
        """, changed=True)


def test_inline_not_when_an_operand_is_reassigned_before_the_use():
    check(inline, """
        def f(x, y):
            t = x * y
            x = x + 1
            z = t + x
            return z
        """, """
        def f(x, y):
            t = x * y
            x = x + 1
            return t + x
        """, changed=True)


def test_inline_not_when_assigned_twice():
    check(inline, """
        def f(x, y):
            t = x * y
            if y > 0:
                t = x
            return t
        """, UNCHANGED, changed=False)


def test_inline_not_when_protected():
    check(inline_temporaries, """
        def f(x, y):
            t = x * y
            z = t + 1
            return z
        """, """
        def f(x, y):
            t = x * y
            return t + 1
        """, changed=True, pass_args=({"t"},))


def test_inline_not_a_method_call_on_a_local():
    check(inline, """
        def f(x, y):
            tape = [y, x]
            t = tape.pop()
            u = x * 2
            return t + u + len(tape)
        """, """
        def f(x, y):
            tape = [y, x]
            t = tape.pop()
            return t + x * 2 + len(tape)
        """, changed=True)


def test_inline_not_into_a_while_test():
    # the test runs on every iteration
    check(inline, """
        def f(x, n):
            t = n - 1
            while x < t:
                x = x + 1
            return x
        """, UNCHANGED, changed=False, kinds=[("f", "n")])


def test_inline_into_a_for_iterable_and_an_if_test():
    # both are evaluated once, where the temporary's statement would be
    check(inline, """
        def f(x, n):
            t = n - 1
            for i in range(t):
                x = x + 1
            u = x * 2
            if n > u:
                x = -x
            return x
        """, """
        def f(x, n):
            for i in range(n - 1):
                x = x + 1
            if n > x * 2:
                x = -x
            return x
        """, changed=True, kinds=[("f", "n")])


@pytest.mark.parametrize("compound", ["for i in range(n):", "if n > 0:"])
def test_inline_not_into_a_loop_or_branch_body(compound):
    check(inline, f"""
        def f(x, n):
            t = x * 2
            {compound}
                x = x + t
            return x
        """, UNCHANGED, changed=False, kinds=[("f", "n")])


def test_inline_not_into_a_subscript_target():
    check(inline, """
        def f(x, y):
            t = int(abs(y)) % 3
            a = np.zeros(3)
            a[t] = x
            return a
        """, """
        def f(x, y):
            t = int(abs(y)) % 3
            a = np.zeros(3)
            a[t] = x
            return a
        """, changed=False)


def test_inline_not_past_an_item_assignment_to_an_operand():
    node = parse("""
        def f(x, y):
            a = np.array([x, y])
            t = a[0]
            a[0] = y
            return t * a[0]
        """)
    before = compile_node(node)
    inline_temporaries(node, set())
    assert_same_values(before, compile_node(node), ("f", "f"))


# ---------------------------------------------------------------- copies

def test_copies_replace_every_read_of_a_copy():
    check(copies, """
        def f(a, y):
            b = a
            c = b * y
            d = b + c
            return d
        """, """
        def f(a, y):
            c = a * y
            d = a + c
            return d
        """, changed=True)


def test_copies_move_a_rebinding_past_the_reads_of_the_copy():
    # bz = ... passes bb = ...: neither reads what the other binds
    check(copies, """
        def f(x, a, bz):
            bt = bz
            bz = bt * math.sin(a)
            bb = bt * x
            return bz + bb
        """, """
        def f(x, a, bz):
            bb = bz * x
            bz = bz * math.sin(a)
            return bz + bb
        """, changed=True)


@pytest.mark.parametrize("passed", [
    "bb = bt * bz",          # reads the new bz
    "a = bt * x",            # binds what bz = ... reads
    "bb = bt * tape.pop()",  # not pure
])
def test_copies_keep_a_rebinding_in_place(passed):
    check(copies, f"""
        def f(x, a, bz):
            tape = [1.0, 2.0]
            bb = 0.0
            bt = bz
            bz = bt * a
            {passed}
            return bz + bb + a
        """, UNCHANGED, changed=False)


def test_copies_into_a_branch():
    check(copies, """
        def f(a, y):
            b = a
            c = y
            if y > 0:
                c = b * 2
            return c
        """, """
        def f(a, y):
            c = y
            if y > 0:
                c = a * 2
            return c
        """, changed=True)


def test_copies_drop_a_copy_back_then_propagate():
    # bs = bt gives bs the value it has: gone, after which bt is a plain copy
    check(copies, """
        def f(bs, t):
            bt = bs
            bs = bt
            bx = bt / t
            return bx + bs
        """, """
        def f(bs, t):
            bx = bs / t
            return bx + bs
        """, changed=True)


def test_copies_unwrap_a_saved_value():
    # x keeps its value; between the rebinding and the restore, x reads as w
    check(copies, """
        def f(x, w):
            x_saved = x
            x = w
            y = x * x + 1.0
            x = x_saved
            return x + y
        """, """
        def f(x, w):
            y = w * w + 1.0
            return x + y
        """, changed=True)


@pytest.mark.parametrize("between", [
    "w = w + 1.0",      # w changes while x stands for it
    "x = x + 1.0",      # x changes before the restore
])
def test_copies_keep_a_save_when_a_name_changes_in_between(between):
    check(copies, f"""
        def f(x, w):
            x_saved = x
            x = w
            {between}
            y = x * 2.0
            x = x_saved
            return x + y + w
        """, UNCHANGED, changed=False)


def test_copies_keep_a_copy_back_after_the_copy_is_bound_again():
    check(copies, """
        def f(a, y):
            b = a
            b = b * y
            a = b
            return a
        """, UNCHANGED, changed=False)


def test_copies_not_when_the_source_changes_before_a_use():
    check(copies, """
        def f(a, y):
            b = a
            a = a + y
            c = b * a
            return c
        """, UNCHANGED, changed=False)


def test_copies_the_source_may_change_in_the_last_use():
    # `a = b * 2` reads b (that is, a) before it binds a
    check(copies, """
        def f(a, y):
            b = a
            a = b * y
            return a
        """, """
        def f(a, y):
            a = a * y
            return a
        """, changed=True)


def test_copies_not_when_a_use_follows_the_change():
    check(copies, """
        def f(a, y):
            b = a
            a = b * y
            c = b + a
            return c
        """, UNCHANGED, changed=False)


@pytest.mark.parametrize("loop", ["for i in range(n):", "while a < n:"])
def test_copies_not_into_a_loop_body(loop):
    check(copies, f"""
        def f(a, n):
            b = abs(a) + 1
            c = b
            a = 0.0
            {loop}
                a = a + c
            return a
        """, UNCHANGED, changed=False, kinds=[("f", "n")])


@pytest.mark.parametrize("src", [
    # the copy is assigned again
    """
    def f(a, y):
        b = a
        b = b + y
        return b
    """,
    # nothing reads the copy (that is dead-code elimination's job)
    """
    def f(a, y):
        b = a
        return a + y
    """,
    # the copy is not a name
    """
    def f(a, y):
        b = -a
        c = b * y
        return c
    """,
])
def test_copies_leave(src):
    check(copies, src, UNCHANGED, changed=False)


def test_copies_not_when_protected():
    check(propagate_copies, """
        def f(a, y):
            b = a
            c = b * y
            return c
        """, UNCHANGED, changed=False, pass_args=({"b"},))


def test_copies_not_when_the_copy_is_read_after_its_block():
    node = parse("""
        def f(a, n):
            for i in range(n + 1):
                b = a
                d = b + 1
            return b * d
        """)
    before = compile_node(node)
    propagate_copies(node, set())
    assert_same_values(before, compile_node(node), ("f", "n"))


def test_copies_leave_a_chained_copy():
    check(copies, """
        def f(a, y):
            b = c = a
            d = b * y
            return c + d
        """, UNCHANGED, changed=False)


# ---------------------------------------------------------------- merge_contributions

def test_merge_keeps_each_sum_under_the_comment_of_its_terms():
    src = """
        def f(g, h):
            by = g
            by = by + h * 3.0
            return by
        """
    node = parse(src)
    node.body.insert(1, syntax.comment("Grad of: z = y * 3.0"))
    assert merge_contributions(node) is False
    assert merge_contributions(parse(src)) is True


def test_merge_first_two_contributions():
    # v = a ... v = v + b  ->  v = a + b, across statements that leave v and b alone
    check(merge_contributions, """
        def f(x, y):
            v = x * 2
            w = y + 1
            v = v + y * x
            return v * w
        """, """
        def f(x, y):
            v = x * 2 + y * x
            w = y + 1
            return v * w
        """, changed=True)


def test_merge_not_when_the_sum_would_outgrow_a_line():
    check(merge_contributions, """
        def f(x, y):
            v = np.sin(x) * np.cos(y) + np.exp(x * y) / (1.0 + x * x)
            v = v + np.tanh(y * x + x * (x - y) * (y - x) * (1.0 + y))
            return v
        """, UNCHANGED, changed=False)


def test_merge_chains_in_one_call():
    check(merge_contributions, """
        def f(x, y):
            v = x
            v = v + y
            v = v + x * y
            return v
        """, """
        def f(x, y):
            v = x + y + x * y
            return v
        """, changed=True)


def test_merge_when_the_first_value_changes_in_between():
    # x is read where v = x stands, so it may change afterwards
    check(merge_contributions, """
        def f(x, y):
            v = x
            x = x + 1
            v = v + y
            return v * x
        """, """
        def f(x, y):
            v = x + y
            x = x + 1
            return v * x
        """, changed=True)


def test_merge_inside_a_loop_body():
    check(merge_contributions, """
        def f(x, n):
            s = x
            for i in range(n):
                v = s * x
                v = v + i
                s = v
            return s
        """, """
        def f(x, n):
            s = x
            for i in range(n):
                v = s * x + i
                s = v
            return s
        """, changed=True, kinds=[("f", "n")])


@pytest.mark.parametrize("between, second", [
    ("w = v + 1", "v = v + y"),     # v is read in between
    ("y = y + 1", "v = v + y"),     # the addend's operand changes in between
    ("w = y", "v = v + v"),         # the addend reads v
    ("w = y", "v = y + v"),         # v is not the left operand
    ("w = y", "v = v - y"),         # not an addition
    ("w = y", "v = v * y"),
])
def test_merge_leaves(between, second):
    check(merge_contributions, f"""
        def f(x, y):
            w = x
            v = x * 2
            {between}
            {second}
            return v + w
        """, UNCHANGED, changed=False)


def test_merge_not_across_blocks():
    check(merge_contributions, """
        def f(x, y, n):
            v = x
            for i in range(n):
                v = v + y
            if y > 0:
                y = y * 2
            v = v + y
            return v
        """, UNCHANGED, changed=False, kinds=[("f", "f", "n")])


def test_merge_not_past_an_item_assignment_to_the_addend():
    node = parse("""
        def f(x, y):
            a = np.array([x, y])
            v = x
            a[0] = y * 3
            v = v + a[0]
            return v
        """)
    before = compile_node(node)
    merge_contributions(node)
    assert_same_values(before, compile_node(node), ("f", "f"))


def test_merge_not_when_the_first_value_changes_in_place():
    # v = a makes v the array a itself: v = v + y reads a[0] as changed
    check(merge_contributions, """
        def f(x, y):
            a = np.array([x, y])
            v = a
            a[0] = y * 3
            v = v + y
            return v[0] + v[1]
        """, UNCHANGED, changed=False)


def test_merge_not_into_a_chained_assignment():
    check(merge_contributions, """
        def f(x, y):
            v = w = x * 2
            v = v + y
            return v * w
        """, UNCHANGED, changed=False)


# ---------------------------------------------------------------- merge_branches

def test_merge_joins_ifs_in_a_row_on_the_same_name_and_their_nested_ifs():
    check(merge_branches, """
        def f(x, y):
            c = x > 1.0
            if c:
                d = None
                t = x * y
            else:
                d = y > 0.0
                if d:
                    t = x + y
                else:
                    t = None
            if c:
                z = t * 2.0
            elif d:
                z = t - 1.0
            else:
                z = y
            return z
        """, """
        def f(x, y):
            c = x > 1.0
            if c:
                d = None
                t = x * y
                z = t * 2.0
            else:
                d = y > 0.0
                if d:
                    t = x + y
                    z = t - 1.0
                else:
                    t = None
                    z = y
            return z
        """, changed=True)


@pytest.mark.parametrize("first", [
    "if c:\n                c = y > 0.0",          # the first if changes the test
    "if x > 1.0:\n                y = y * 2.0",   # a test that is not a name
])
def test_merge_keeps_ifs_apart(first):
    check(merge_branches, f"""
        def f(x, y):
            c = x > 1.0
            {first}
            if c:
                y = y + 1.0
            return y
        """, UNCHANGED, changed=False)


# ---------------------------------------------------------------- factor_sums

def factor(node, adjoints=("bx", "bt"), scalars=("bx", "bt", "g", "a", "t", "x")):
    return factor_sums(node, frozenset(adjoints), frozenset(scalars))


@pytest.mark.parametrize("expr, factored", [
    # like terms added, then the common factor taken out
    ("bx + g * a + g * (x * x) + 2 * (g * x * x)", "bx + g * (a + 3 * x * x)"),
    ("g * (0.5 * t) + g * t * 0.5", "g * t"),
    ("bx + g * t + g * x * 3.0", "bx + g * (t + 3.0 * x)"),
    ("bx - g * a - g * x", "bx - g * (a + x)"),
    ("-(g * a) - g * x", "-(g * (a + x))"),
])
def test_factor_sums_of_scalar_products(expr, factored):
    check(factor, f"""
        def f(bx, g, a, t, x):
            bt = {expr}
            return bt
        """, f"""
        def f(bx, g, a, t, x):
            bt = {factored}
            return bt
        """, changed=True)


@pytest.mark.parametrize("before, expr, factored", [
    # a product bound earlier in the block is spelled out, and found again
    ("t = x * x", "g * a + g * t + 2 * (g * x * x)", "g * (a + 3 * t)"),
    ("t = 3.0 * x", "bx + g * t + g * x * 3.0", "bx + 6.0 * g * x"),
    # x changed since t was bound: t is not x * x any more
    ("t = x * x\n            x = a", "g * t + g * x * x", "g * (t + x * x)"),
])
def test_factor_sees_products_bound_before(before, expr, factored):
    check(factor, f"""
        def f(bx, g, a, x):
            {before}
            bt = {expr}
            return bt
        """, f"""
        def f(bx, g, a, x):
            {before}
            bt = {factored}
            return bt
        """, changed=True)


@pytest.mark.parametrize("target, expr", [
    ("y", "g * a + g * x"),            # not an adjoint: primal values stay exact
    ("bt", "g * a + g * w"),           # w may be an array
    ("bt", "g * a + g * abs(x)"),      # a call
    ("bt", "g * x - x * g + a"),       # terms that cancel are left as written
    ("bt", "g * a + x * t"),           # nothing to save
])
def test_factor_leaves(target, expr):
    check(factor, f"""
        def f(bx, g, a, t, x, w):
            {target} = {expr}
            return {target}
        """, UNCHANGED, changed=False)


# ---------------------------------------------------------------- reuse_values

def reuse(node):
    return reuse_values(node, NameTable())


@pytest.mark.parametrize("between, expr, reused", [
    ("w = z", "-(g / y) * z", "-q * z"),
    ("w = z", "np.maximum(g / y, 1.0) + (g / y)", "np.maximum(q, 1.0) + q"),
    ("w = z", "g / y", "q"),
    ("z = g * 2.0", "g / y * z", "q * z"),       # something else changed: still q
    ("s = y ** 2", "1.0 - y * y", "1.0 - s"),    # squares are squares
])
def test_reuse_a_value_computed_before(between, expr, reused):
    check(reuse, f"""
        def f(g, y, z):
            q = g / y
            {between}
            r = {expr}
            return q + r
        """, f"""
        def f(g, y, z):
            q = g / y
            {between}
            r = {reused}
            return q + r
        """, changed=True)


@pytest.mark.parametrize("between", [
    "g = g * 2.0",     # an operand changed
    "q = q + 1.0",     # the name holding it changed
    "y += 1.0",
])
def test_reuse_not_after_a_change(between):
    check(reuse, f"""
        def f(g, y, z):
            q = g / y
            {between}
            r = g / y * z
            return q + r
        """, UNCHANGED, changed=False)


def test_reuse_copies_a_statement_another_block_shares():
    node = parse("""
        def f(a, b):
            q = a * b
            r = a * b
            return q + r
        """)
    shared = node.body[1]
    node.body.insert(2, syntax.if_(syntax.name("a"), [shared]))
    assert reuse(node) is True
    assert to_source(node) == textwrap.dedent("""\
        def f(a, b):
            q = a * b
            r = q
            if a:
                r = a * b
            return q + r
        """)


# ---------------------------------------------------------------- refold_while_tests

def refold(node):
    return refold_while_tests(node, NameTable())


def test_refold_puts_a_while_test_back_in_its_header():
    check(refold, """
        def f(x, n):
            c = x > 1.0
            k = 0
            while c:
                x = x / 2.0
                c = x > 1.0
                k = k + 1
            return x + k
        """, """
        def f(x, n):
            k = 0
            while x > 1.0:
                x = x / 2.0
                k = k + 1
            return x + k
        """, changed=True, kinds=[("f", "n")])


@pytest.mark.parametrize("body", [
    "x = x / 2.0\n                c = x > 1.0\n                x = x + 0.0",  # x changes after
    "x = x / 2.0\n                c = x > 1.0\n                y = c",  # c read elsewhere
    "c = x > 1.0\n                x = x / 2.0",             # the test is not last
])
def test_refold_leaves(body):
    check(refold, f"""
        def f(x, n):
            y = 0
            c = x > 1.0
            while c:
                {body}
            return x + y
        """, UNCHANGED, changed=False, kinds=[("f", "n")])


# ---------------------------------------------------------------- tape

def test_tape_drops_a_push_and_a_discarded_pop():
    check(drop_saves, """
        def f(x):
            tape = []
            tape.append(x)
            y = x * 2
            tape.pop()
            return y + len(tape)
        """, """
        def f(x):
            tape = []
            y = x * 2
            return y + len(tape)
        """, changed=True, kinds=[("f",)])


def test_tape_drops_a_push_and_a_pop_into_the_unchanged_name():
    check(drop_saves, """
        def f(x):
            tape = []
            tape.append(x)
            y = x * 2
            x = tape.pop()
            return x + y + len(tape)
        """, """
        def f(x):
            tape = []
            y = x * 2
            return x + y + len(tape)
        """, changed=True, kinds=[("f",)])


@pytest.mark.parametrize("between", [
    "x = x * 2",                                  # the pushed name changes in between
    "if x > 0:\n                x = -x",          # ... in a branch
])
def test_tape_saves_locally_a_value_changed_before_its_pop(between):
    node = check(drop_saves, f"""
        def f(x, y):
            tape = []
            tape.append(x)
            {between}
            x = tape.pop()
            return x + y + len(tape)
        """, f"""
        def f(x, y):
            tape = []
            x_saved = x
            {between}
            x = x_saved
            return x + y + len(tape)
        """, changed=True)
    assert drop_saves(node) is False


@pytest.mark.parametrize("between, pop", [
    ("y = x * 2", "y = tape.pop()"),              # popped into another name
    ("x = x * 2\n            if y > 0:\n                return x",
     "x = tape.pop()"),                            # a jump may skip the pop
    ("tape.append(y)", "x = tape.pop()"),         # the tape is used in between
    ("y = x * 2", "if y > 0:\n                x = tape.pop()"),  # the pop is nested
])
def test_tape_keeps(between, pop):
    check(drop_saves, f"""
        def f(x, y):
            tape = []
            tape.append(x)
            {between}
            {pop}
            return x + y + len(tape)
        """, UNCHANGED, changed=False)


def test_tape_drops_nested_pairs_one_level_per_call():
    node = check(drop_saves, """
        def f(x, y):
            tape = []
            tape.append(x)
            tape.append(y)
            y = tape.pop()
            x = tape.pop()
            return x + y + len(tape)
        """, """
        def f(x, y):
            tape = []
            tape.append(x)
            x = tape.pop()
            return x + y + len(tape)
        """, changed=True)
    # the outer pair is adjacent now: the next call (optimize loops) drops it
    assert drop_saves(node) is True
    assert to_source(node) == "def f(x, y):\n    tape = []\n    return x + y + len(tape)\n"
    assert drop_saves(node) is False


def test_tape_drops_a_save_whose_every_pop_is_discarded():
    # matched by the SAVE annotation, across blocks: push in one loop, pop in another
    src = """
        def f(x, n):
            tape = []
            y = x
            for i in range(n):
                tape.append(y)
                y = y * x
            for i in range(n):
                tape.pop()
                y = y + 1.0
            return y + len(tape)
        """
    node = mark_saves(parse(src), "y", "y")
    before = compile_node(node)
    assert drop_saves(node) is True
    assert to_source(node) == textwrap.dedent("""\
        def f(x, n):
            tape = []
            y = x
            for i in range(n):
                y = y * x
            for i in range(n):
                y = y + 1.0
            return y + len(tape)
        """)
    assert_same_values(before, compile_node(node), ("f", "n"))
    # without the annotation the pair is not recognized across blocks
    check(drop_saves, src, UNCHANGED, changed=False, kinds=[("f", "n")])


def test_tape_drops_a_pair_past_balanced_uses_of_the_tape():
    # the pop sharing the push's key takes back n: entries pushed between are
    # popped between; without the keys the pair is kept
    src = """
        def f(x, n):
            tape = []
            tape.append(n)
            for i in range(n):
                tape.append(x)
                x = x * 2.0
            for i in range(n):
                x = tape.pop()
            n = tape.pop()
            return x * n + len(tape)
        """
    node = mark_saves(parse(src), "n", "x", "x", "n")
    before = compile_node(node)
    assert drop_saves(node) is True
    assert "tape.append(n)" not in to_source(node) and "n = tape.pop()" not in to_source(node)
    assert_same_values(before, compile_node(node), ("f", "n"))
    check(drop_saves, src, UNCHANGED, changed=False, kinds=[("f", "n")])


def test_tape_keeps_a_save_when_one_pop_keeps_the_value():
    # two pushes and two pops share the key; the second pop restores y
    node = mark_saves(parse("""
        def f(x, n):
            tape = []
            y = x
            for i in range(n):
                tape.append(y)
                y = y * x
            if x > 0:
                tape.append(y)
                y = y * 2
            if x > 0:
                tape.pop()
            for i in range(n):
                y = tape.pop()
            return y + len(tape)
        """), "k", "k", "k", "k")
    before_text = to_source(node)
    before = compile_node(node)
    assert drop_saves(node) is False
    assert to_source(node) == before_text
    assert_same_values(before, compile_node(node), ("f", "n"))


def test_tape_only_looks_at_its_own_tape():
    check(lambda node: drop_redundant_saves(node, "other"), """
        def f(x):
            tape = []
            tape.append(x)
            tape.pop()
            return x + len(tape)
        """, UNCHANGED, changed=False, kinds=[("f",)])


ACROSS_BRANCHES = """
    def f(x, y):
        tape = []
        c = x > 0
        if c:
            z = x * 2
            tape.append(z)
        w = y * 3
        if c:
            z = tape.pop()
            w = w + z
        return w + len(tape)
    """


def test_tape_drops_a_push_at_a_branch_end_and_its_pop_in_the_next_same_branch():
    node = mark_saves(parse(ACROSS_BRANCHES), "z", "z")
    before = compile_node(node)
    assert drop_saves(node) is True
    assert to_source(node) == textwrap.dedent("""\
        def f(x, y):
            tape = []
            c = x > 0
            if c:
                z = x * 2
            w = y * 3
            if c:
                w = w + z
            return w + len(tape)
        """)
    assert_same_values(before, compile_node(node), ("f", "f"))


@pytest.mark.parametrize("between", [
    "z = y",                # the pushed name changes in between
    "z[0] = y",             # ... its contents
    "c = y > 0",            # the test may take the other branch
    "tape.append(y)",       # the tape is used in between
])
def test_tape_keeps_a_pair_across_branches(between):
    src = ACROSS_BRANCHES.replace("w = y * 3", f"w = y * 3\n        {between}")
    keys = ("z", "y", "z") if between.startswith("tape") else ("z", "z")
    node = mark_saves(parse(src), *keys)
    text = to_source(node)
    drop_redundant_saves(node, "tape")
    assert to_source(node) == text


def test_tape_keeps_a_pair_across_branches_whose_push_has_another_pop():
    node = mark_saves(parse(ACROSS_BRANCHES.replace(
        "return w + len(tape)", "z = tape.pop()\n        return w + z")), "z", "z", "z")
    text = to_source(node)
    drop_redundant_saves(node, "tape")
    assert to_source(node) == text


# ---------------------------------------------------------------- accumulate_in_place

def in_place(node):
    """Mark every `v = zeros_like(...)` FRESH, as reverse mode does, then run the pass."""
    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) and \
                syntax.dotted_name(stmt.value.func) == "zeros_like":
            syntax.set_anno(stmt, FRESH, True)
    return accumulate_in_place(node)


def test_in_place_adds_into_a_zeroed_array_across_iterations():
    check(in_place, """
        def f(x, n):
            bx = zeros_like(x)
            for i in range(n):
                bx = bx + x * i
            return bx
        """, """
        def f(x, n):
            bx = zeros_like(x)
            for i in range(n):
                bx += x * i
            return bx
        """, changed=True, kinds=[((3,), "n"), ("f", "n")])


def test_in_place_follows_both_branches():
    # in the else branch bx becomes x itself: adding into it would change the argument
    check(in_place, """
        def f(x, c):
            bx = zeros_like(x)
            if c > 0:
                bx = bx + x
            else:
                bx = x
            bx = bx + x
            return bx
        """, """
        def f(x, c):
            bx = zeros_like(x)
            if c > 0:
                bx += x
            else:
                bx = x
            bx = bx + x
            return bx
        """, changed=True, kinds=[((3,), "f")])


@pytest.mark.parametrize("share", [
    "seen = bx",                     # a second name
    "seen = unbroadcast(bx, x)",     # a call that may return its argument
    "seen = bx[:]",                  # a view
])
def test_in_place_not_once_the_array_may_be_shared(share):
    check(in_place, f"""
        def f(x):
            bx = zeros_like(x)
            bx = bx + x
            {share}
            bx = bx + x
            return bx + seen
        """, """
        def f(x):
            bx = zeros_like(x)
            bx += x
            {share}
            bx = bx + x
            return bx + seen
        """.replace("{share}", share), changed=True, kinds=[((3,),)])


def test_in_place_not_in_a_loop_that_shares_the_array_before_adding():
    check(in_place, """
        def f(x, n):
            bx = zeros_like(x)
            out = zeros_like(x)
            for i in range(n):
                out = bx
                bx = bx + x
            return out * 2.0 + bx
        """, UNCHANGED, changed=False, kinds=[((3,), "n")])


def test_in_place_not_without_a_zero_initialization():
    check(in_place, """
        def f(x):
            bx = x * 2.0
            bx = bx + x
            return bx
        """, UNCHANGED, changed=False, kinds=[((3,),)])


def test_adjoint_list_adds_item_by_item_in_place_too():
    total = runtime.AdjointList([np.ones(2), 1.0])
    alias = total
    total += [np.ones(2), 2.0]
    assert len(total) == 2 and total[1] == 3.0 and alias[1] == 1.0
    assert_allclose(total[0], [2.0, 2.0])


# ---------------------------------------------------------------- optimize

# Reverse mode's code for
#     def f(x, n: int):
#         y = x
#         i = 0
#         while i < n:
#             y = y * x + 1.0
#             i = i + 1
#         return y
# before optimization (`assert_scalar` left out), with its pushes and pops.
WHILE_GRADIENT = """
    def df(x, n, by=1.0):
        tape = []
        y = x
        i = 0
        cond = i < n
        n2 = 0
        while cond:
            tape.append(i)
            tape.append(y)
            t = y * x
            y = t + 1.0
            t2 = i + 1
            i = t2
            cond = i < n
            n2 = n2 + 1
        tape.append(n2)
        bx = zeros_like(x)
        n2 = tape.pop()
        for t3 in range(n2):
            y = tape.pop()
            i = tape.pop()
            t = y * x
            tape.append(y)
            y = t + 1.0
            t2 = i + 1
            tape.append(i)
            i = t2
            tape.append(cond)
            cond = i < n
            cond = tape.pop()
            i = tape.pop()
            bt = by
            y = tape.pop()
            by = unbroadcast(bt * x, y)
            bx = bx + unbroadcast(bt * y, x)
        bx = bx + by
        return bx
    """
WHILE_GRADIENT_SAVES = ("i", "y", "n2", "n2", "y", "i", "Y", "I", "C", "C", "I", "Y")
# all_names of f, plus the seed, the adjoints returned and the tape
WHILE_GRADIENT_PROTECTED = {"f", "x", "n", "int", "y", "i", "by", "bx", "tape"}
WHILE_GRADIENT_OPTIMIZED = """\
def df(x, n, by=1.0):
    tape = []
    y = x
    i = 0
    n2 = 0
    while i < n:
        tape.append(y)
        y = y * x + 1.0
        i = i + 1
        n2 = n2 + 1
    bx = zeros_like(x)
    for t3 in range(n2):
        y = tape.pop()
        bx = bx + unbroadcast(by * y, x)
        by = unbroadcast(by * x, y)
    bx = bx + by
    return bx
"""


def optimized_while_gradient():
    node = mark_saves(parse(WHILE_GRADIENT), *WHILE_GRADIENT_SAVES)
    before = compile_node(node)
    assert optimize(node, WHILE_GRADIENT_PROTECTED, "tape") is node
    return node, before


def test_optimize_a_reverse_mode_loop():
    node, before = optimized_while_gradient()
    assert to_source(node) == WHILE_GRADIENT_OPTIMIZED
    after = compile_node(node)
    assert_same_values(before, after, ("f", "n"))
    assert_same_values(before, after, ((4,), "n"))


def test_optimize_reaches_a_fixed_point():
    node, _ = optimized_while_gradient()
    assert optimize(node, WHILE_GRADIENT_PROTECTED, "tape") is node
    assert to_source(node) == WHILE_GRADIENT_OPTIMIZED
    for pass_ in (simplify, eliminate_dead_code, drop_saves, merge_contributions,
                  lambda n: inline_temporaries(n, WHILE_GRADIENT_PROTECTED),
                  lambda n: propagate_copies(n, WHILE_GRADIENT_PROTECTED)):
        assert pass_(node) is False
    assert to_source(node) == WHILE_GRADIENT_OPTIMIZED


def test_optimize_combines_the_passes():
    # simplify exposes copies and dead code, inlining and merging finish the job
    protected = {"x", "y", "z", "bz", "bx", "by"}
    node = check(lambda node: optimize(node, protected, "tape") is node, """
        def df(x, y, bz=1.0):
            t = x * y
            z = t + 1.0
            bt = bz * 1
            by = zeros_like(y)
            bx = bt * y
            by = by + bt * x
            t2 = 0 + bx
            return t2 * 1 + -(-by)
        """, """
        def df(x, y, bz=1.0):
            by = zeros_like(y) + bz * x
            bx = bz * y
            return bx + by
        """, changed=True, kinds=[("f", "f", "f"), ((3, 1), (4,), (3, 4))])
    text = to_source(node)
    optimize(node, protected, "tape")  # a second run changes nothing
    assert to_source(node) == text


def test_optimize_drops_comments_with_no_code_after_them():
    # a comment stays only when code follows it in its block; a body left with
    # no statement gets `pass`
    node = parse("""
        def f(x, n):
            y = x * 1
            for i in range(n):
                dead = y * 2
            while x > 1000.0:
                dead = y * 3
            return y
        """)
    before = compile_node(node)
    body = node.body
    body[2].body.insert(0, syntax.comment("while body"))
    body[1:] = [syntax.comment("for loop"), body[1], syntax.comment("first"),
                 syntax.comment("second"), body[2], syntax.comment("Grad of: return y"),
                 body[3]]
    optimize(node, set(), "tape")
    assert to_source(node) == textwrap.dedent("""\
        def f(x, n):
            # second
            while x > 1000.0:
                pass
            # Grad of: return y
            return x
        """)
    assert_same_values(before, compile_node(node), ("f", "n"))


# ---------------------------------------------------------------- simplify leaves to run time

def test_simplify_leaves_a_power_with_a_complex_value():
    node = parse("""
        def f(x):
            return (-8.0) ** 0.5 * x
        """)
    before = compile_node(node)
    simplify(node)
    assert_same_values(before, compile_node(node), ("f",))


def test_simplify_leaves_a_power_that_raises():
    node = parse("""
        def f(x):
            if x > 1e9:
                return 0.0 ** -1
            return x
        """)
    before = compile_node(node)
    simplify(node)
    assert_same_values(before, compile_node(node), ("f",))


# ---------------------------------------------------------------- end to end

def assert_grad_matches_differences(f, points):
    """s2sad.grad(f) at each float64 point is a real float equal to central
    finite differences (eps=1e-6) to a relative 1e-6."""
    df = s2sad.grad(f)
    for x in points:
        got = df(x)
        assert isinstance(got, (float, np.floating)), type(got)
        want = finite_difference(f, [x], 0, eps=1e-6)
        assert_allclose(got, want, rtol=1e-6, atol=0)


def loop_target_read_after_the_loop(x):
    for i in range(3):
        t = i * 2
    return x * i


def test_grad_of_a_loop_whose_target_is_read_after_it():
    # dce once removed the loop, whose body was left empty: NameError for i
    assert_grad_matches_differences(loop_target_read_after_the_loop, [-1.5, 0.25, 3.0])


def complex_constant_in_a_branch_not_taken(x):
    if x > 1e9:
        return (-8.0) ** 0.5 * x
    return x * x


def modulus_of_a_complex_constant(x):
    return abs((-8.0) ** 0.5) * x * x


@pytest.mark.parametrize("f", [complex_constant_in_a_branch_not_taken,
                               modulus_of_a_complex_constant])
def test_grad_of_a_complex_constant(f):
    # simplify once folded (-8.0) ** 0.5 to a complex number and raised TypeError
    assert_grad_matches_differences(f, [-1.5, 0.25, 3.0])


# drop_loop_counters: the reverse of the first loop to use the tape runs `while tape:`

def newton_root(x):
    r = 1.0
    while abs(r * r - x) > 1e-10:
        r = r - (r * r - x) / (2.0 * r)
    return r * r * r


def halving_then_newton(x):
    y = x * x
    while y > 1.0:
        y = y * 0.5
    r = 1.0
    while abs(r * r - y) > 1e-10:
        r = r - (r * r - y) / (2.0 * r)
    return r * x


def overwritten_before_the_loop(x):
    x = x * x
    y = 0.0
    while y < 10.0:
        y = y + x * x + 1.0
    return y * x


def sum_until_large(x):
    s = 0.0
    for k in [1.0, 2.0, 3.0, 4.0, 5.0]:
        s = s + math.sin(s + k * x)
        if s > 2.0:
            break
    return s


@pytest.mark.parametrize("f, uncounted, counted", [
    (newton_root, 1, 0),
    (halving_then_newton, 1, 1),  # the first loop pushes nothing: it needs its count
    (overwritten_before_the_loop, 0, 1),  # x is pushed before the loop
    (sum_until_large, 0, 0),  # walks range(len(...))[:n] backwards: no index on the tape
])
def test_reverse_loops_without_a_counter(f, uncounted, counted):
    source = s2sad.source(s2sad.grad(f))
    assert source.count("while tape:") == uncounted
    assert source.count(" in range(n") == counted
    assert_grad_matches_differences(f, [0.3, 1.7, 4.5])


def roots_summed(a, b, n):
    s = 0.0
    for i in range(n):
        c = b + 0.1 * i
        x = 1.0
        r = x * x * x + a * x - c
        while abs(r) > 1e-12:
            x = x - r / (3.0 * x * x + a)
            r = x * x * x + a * x - c
        s = s + x * x
    return s


def test_grad_solves_each_newton_problem_in_an_outer_loop_once():
    # the primal sweep ran every solve too, for nothing: the reverse sweep reruns it
    df = s2sad.grad(roots_summed, wrt=(0, 1))
    for a, b in [(2.0, 5.0), (1.5, -0.5)]:
        got = df(a, b, 4)
        for index in (0, 1):
            want = finite_difference(roots_summed, [a, b, 4], index, eps=1e-6)
            assert_allclose(got[index], want, rtol=1e-6)
    lines = s2sad.source(df, floats=True).splitlines()
    assert sum(line.strip().startswith("while abs(r)") for line in lines) == 1


def test_a_solve_rerun_in_each_reversed_iteration_is_reversed_without_a_counter():
    # in the float version only the solve uses the tape: empty each time it starts;
    # the general version keeps s on the tape beneath it, so it counts
    df = s2sad.grad(roots_summed, wrt=(0, 1))
    floats, general = s2sad.source(df, floats=True), s2sad.source(df)
    counted = re.compile(r"for \w+ in range\(n\d+\):")  # the solve's iteration count
    assert "while tape:" in floats and not counted.search(floats)
    assert "while tape:" not in general and counted.search(general)
    for args in [(2.0, 5.0, 4), (np.float64(2.0), np.float64(5.0), 4)]:
        got = df(*args)
        for index in (0, 1):
            assert_allclose(got[index], finite_difference(roots_summed, list(args), index),
                            rtol=1e-6)


def unused_draw_then_scale(x):
    u = np.random.normal()
    return x * np.random.normal()


def test_grad_keeps_a_draw_nobody_reads():
    # dce dropped `u = np.random.normal()`: the gradient then had the first number
    # where f multiplies by the second
    df = s2sad.grad(unused_draw_then_scale)
    for seed in (0, 1):
        np.random.seed(seed)
        np.random.normal()
        slope = np.random.normal()  # f is x times this number: its derivative
        np.random.seed(seed)
        assert df(2.5) == slope


def sine_branch_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        if s > 1.0:
            y = x * s
            y = np.sin(y)
        else:
            y = x + s
        s = s + y
    return s


def test_grad_of_a_branch_in_a_loop_saves_nothing_its_rerun_keeps():
    # the rerun of the branch pushed y and the branch's adjoint popped it right back
    df = s2sad.grad(sine_branch_in_a_loop)
    for x in (0.4, 0.9, 2.0):
        want = finite_difference(sine_branch_in_a_loop, [x, 6], 0, eps=1e-6)
        assert_allclose(df(x, 6), want, rtol=1e-6)
    assert s2sad.source(df, floats=True).count("tape.append") == 1  # the checkpoint


def squared_cubic(x: float, a: float):
    y = x * x * x + a * x
    return y * y


def test_grad_of_scalar_code_takes_common_factors_out():
    df = s2sad.grad(squared_cubic, wrt=(0, 1))
    assert "(a + 3 * t)" in s2sad.source(df)   # by * a + by * t + 2 * (by * x * x)
    for x, a in [(0.3, -1.2), (1.7, 0.4), (-2.5, 3.0)]:
        y = x ** 3 + a * x
        assert_allclose(df(x, a), (2 * y * (3 * x * x + a), 2 * y * x), rtol=1e-12)


# ---------------------------------------------------------------- shapes known to match

RNG_SHAPES = np.random.default_rng(7)


def classes_of(f):
    emitter = Emitter(normalize(parse_function(f)), (0,), "b")
    return emitter.shapes


def elementwise_chain(x, w):
    y = np.sin(x) * np.exp(-x * x) + np.tanh(x) ** 2
    z = y * 2.0
    for i in range(3):
        z = np.cos(z) + i
    v = y @ w           # a matrix product bound once: a shape of its own
    m = np.matmul(y, w)  # a ufunc, but not an elementwise one: the same
    t = np.tanh(v) * v  # v's shape
    u = x + w           # two parameters' shapes: broadcast, u's own
    r = u * 2.0         # u's shape
    return np.sum(z * z) + np.sum(t) + np.sum(r) + np.sum(m)


def test_shape_classes_follow_elementwise_operations_only():
    shapes = classes_of(elementwise_chain)
    assert shapes["y"] == shapes["z"] == shapes["x"] == "x"
    assert shapes["w"] == "w"
    assert shapes["v"] == shapes["t"] == "v" and shapes["m"] == "m"
    assert shapes["u"] == shapes["r"] == "u"


def product_in_a_loop(x, w):
    s = 0.0
    for i in range(2):
        h = x @ w       # bound once, but to one value per iteration
        s = s + np.sum(np.tanh(h))
        x = x[:-1]
    return s


def test_shape_classes_leave_a_product_bound_in_a_loop():
    assert "h" not in classes_of(product_in_a_loop)


def rebound_to_a_product(x, w):
    h = x * 2.0
    for i in range(2):
        h = np.tanh(h @ w)
    return np.sum(h)


def test_shape_classes_drop_a_name_rebound_to_another_shape():
    assert "h" not in classes_of(rebound_to_a_product)


def broadcast_in_a_loop(x, w):
    s = 0.0
    for i in range(2):
        b = x + w       # bound once, but to one value per iteration
        s = s + np.sum(b)
        x = x[:-1]
    return s


def test_shape_classes_root_a_broadcast_bound_once_outside_loops_only():
    assert "b" not in classes_of(broadcast_in_a_loop)


def chain_of_one_array(x):
    y = np.sin(x) * np.exp(-x * x) + np.tanh(x) ** 2
    return np.sum(np.sqrt(y * y + 1.0))


def test_grad_of_an_elementwise_chain_takes_the_adjoint_out():
    # every name has x's shape: no unbroadcast, and one product by the adjoint of y
    df = s2sad.grad(chain_of_one_array)
    text = s2sad.source(df)
    assert "unbroadcast(by" not in text and "bx = by * (" in text
    x = RNG_SHAPES.normal(size=(4, 3))
    s, e, th = np.sin(x), np.exp(-x * x), np.tanh(x)
    y = s * e + th ** 2
    want = y / np.sqrt(y * y + 1.0) * (np.cos(x) * e - 2 * x * s * e + 2 * th * (1 - th * th))
    assert_allclose(df(x), want, rtol=1e-12)
    for shape in [(), (5,)]:
        point = RNG_SHAPES.normal(size=shape)
        assert_allclose(df(point), finite_difference(chain_of_one_array, [point], 0),
                        rtol=1e-6, atol=1e-9)


def logistic_loss(beta, X, y):
    Xbeta = X @ beta
    return np.sum(Xbeta + np.log1p(np.exp(-Xbeta))) - np.dot(y, Xbeta)


def test_logistic_loss_gradient_is_one_quotient_past_the_product():
    """After `Xbeta = X @ beta` every step keeps Xbeta's shape: no unbroadcast, and
    Xbeta's two adjoints (direct and through softplus) join as b / (1 + e)."""
    df = s2sad.grad(logistic_loss)
    text = s2sad.source(df)
    adjoints = [line for line in text.splitlines() if line.strip().startswith("bXbeta =")]
    assert "unbroadcast(bt" not in text and not any(" - " in line for line in adjoints)
    rng = np.random.default_rng(7)
    X, beta = rng.normal(size=(40, 3)), rng.normal(size=3)
    y = (rng.random(40) < 0.5).astype(float)
    closed_form = X.T @ (1.0 / (1.0 + np.exp(-X @ beta)) - y)
    assert_allclose(df(beta, X, y), closed_form, rtol=1e-12)


# ---------------------------------------------------------------- scalar seeds (seeds.py)

def logistic_loss(beta, X, y):
    Xbeta = X @ beta
    return np.sum(Xbeta + np.log1p(np.exp(-Xbeta))) - np.dot(y, Xbeta)


def squared_residuals(W, X, y):
    return np.mean((np.sum(np.tanh(X @ W), axis=1) - y) ** 2)


def bounded_energy(x):
    return np.sum(np.tanh(x * 0.5 + 1.0))


def outer_product_sum(x, w):
    return np.sum(x * w)


def column_sums(x):
    return np.sum(np.sum(np.tanh(x), axis=0) ** 2)


SEED_CASES = [
    (logistic_loss, [(3,), (6, 3), (6,)], (0,), True),
    (squared_residuals, [(3, 3), (5, 3), (5,)], (0, 1, 2), True),
    (bounded_energy, [(2, 3)], (0,), True),
    # x * w broadcasts (3, 1) and (1, 4): the seed meets arrays of other shapes
    (outer_product_sum, [(3, 1), (1, 4)], (0, 1), False),
    (column_sums, [(3, 4)], (0,), False),   # the column sums have no shape class
]


@pytest.mark.parametrize("f, shapes, wrt, scalar", SEED_CASES,
                         ids=[case[0].__name__ for case in SEED_CASES])
def test_a_full_reductions_seed_stays_a_scalar_only_where_an_array_of_its_shape_meets_it(
        f, shapes, wrt, scalar):
    rng = np.random.default_rng(11)
    args = [rng.normal(size=shape) for shape in shapes]
    df = s2sad.grad(f, wrt=wrt)
    assert (", None, False)" not in s2sad.source(df)) == scalar  # no spread of a scalar
    got = df(*args)
    got = got if isinstance(got, tuple) else (got,)
    for index, gradient in zip(wrt, got):
        assert_allclose(gradient, finite_difference(f, args, index), rtol=1e-6, atol=1e-8)
    # float32 in, float32 out: the seed (a Python float) does not widen the gradient
    single = [a.astype(np.float32) for a in args]
    for gradient in (df(*single) if len(wrt) > 1 else (df(*single),)):
        assert gradient.dtype == np.float32


# ---------------------------------------------------------------- tuple saves (tape.py)

def saves_of_two_lengths(x, y, n):
    for i in range(n):
        x = np.sin(x) * y
        y = np.cos(y) + x
    for i in range(n):
        x = np.tanh(x)
    return x * y


def test_saves_in_a_row_go_on_the_tape_as_one_tuple():
    # the float version keeps only the solve's iterates (the general one also keeps s)
    df = s2sad.grad(roots_summed, wrt=(0, 1))
    text = s2sad.source(df, floats=True)
    assert "tape.append((r, x))" in text and "r, x = tape.pop()" in text
    assert "tape.append(r)" not in text
    args = (2.0, 5.0, 4)
    for index, gradient in zip((0, 1), df(*args)):
        assert_allclose(gradient, finite_difference(roots_summed, args, index),
                        rtol=1e-6)


def test_saves_stay_apart_where_rows_of_two_lengths_share_the_tape():
    df = s2sad.grad(saves_of_two_lengths, wrt=(0, 1))
    assert "tape.append((" not in s2sad.source(df)
    args = (0.3, 0.8, 3)
    for index, gradient in zip((0, 1), df(*args)):
        assert_allclose(gradient, finite_difference(saves_of_two_lengths, args, index),
                        rtol=1e-6)
