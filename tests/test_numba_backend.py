"""backend="numba": the float version compiled by numba, with a Python fallback.

Every gradient is compared with central finite differences and with the Python
derivative; the tests also check that the compiled code did run (no fallback).
"""
import math
import os
import subprocess
import sys
import textwrap
import types
import warnings

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import s2sad  # noqa: E402
from s2sad.backends import numba as numba_backend  # noqa: E402
from s2sad.specialize import scalar_version  # noqa: E402

from gradcheck import finite_difference  # noqa: E402


@pytest.fixture(autouse=True)
def cache_folder(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("s2sad_cache")
    monkeypatch.setenv("S2SAD_CACHE", str(folder))
    return folder


def recurrence(a, b, n):
    z = 0.5
    for i in range(n):
        z = a * math.cos(z + i) + z * np.sin(b - i)
    return z


def newton(a, b):
    x = 1.0
    r = x * x * x + a * x - b
    while abs(r) > 1e-12:
        x = x - r / (3.0 * x * x + a)
        r = x * x * x + a * x - b
    return x * x


def piecewise(x, y, n):
    s = 0.0
    for i in range(n):
        t = x * (i % 7) - y * 0.01 * i
        if t > 1.0:
            s = s + math.log(t)
        elif t > -1.0:
            s = s + 0.5 * t * t
        else:
            s = s - t - 0.5
    return s


def bump(x, y):
    return x * np.sin(y) + y


def calls_bump(x, y):
    s = 0.0
    for i in range(3, 11, 2):
        s = s + bump(x, y + i) * s + x
    return s * x


def scaled_exp(x, y=2.0):
    return np.exp(x) * y


def uses_a_stack(x, n):
    items = []
    for i in range(n):
        items.append(x * i)
    s = 0.0
    while items:
        s = s + items.pop() ** 2
    return s


def counts(x, n):
    s = 0.0
    for i in range(n):
        s = s + x
    return s


def compiled_without_warnings(df, *args, **kwargs):
    """df(*args), failing on any warning (a fallback), and checked to have run
    numba's code."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = df(*args, **kwargs)
    assert isinstance(scalar_version(df), numba.core.dispatcher.Dispatcher)
    return value


def assert_matches(f, df, args, wrt):
    got = compiled_without_warnings(df, *args)
    got = got if len(wrt) > 1 else (got,)
    python = s2sad.grad(f, wrt=wrt)(*args)
    python = python if len(wrt) > 1 else (python,)
    for value, reference, index in zip(got, python, wrt):
        assert type(value) is float
        np.testing.assert_allclose(value, reference, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(value, finite_difference(f, args, index), rtol=1e-6,
                                   atol=1e-8)


def test_a_scalar_loop_runs_compiled_and_matches():
    df = s2sad.grad(recurrence, wrt=(0, 1), backend="numba")
    assert_matches(recurrence, df, (0.7, 0.3, 40), (0, 1))
    text = s2sad.source(df, floats=True)
    assert "@numba.njit(error_model='numpy', cache=True)" in text
    assert "for i in range(n - 1, -1, -1):" in text and "reversed" not in text


def test_data_dependent_while_and_if():
    df = s2sad.grad(newton, wrt=(0, 1), backend="numba")
    assert_matches(newton, df, (2.0, 5.0), (0, 1))
    text = s2sad.source(df, floats=True)
    assert "tape.append((r, x))" in text  # a tape of pairs, read by position
    assert "for tape_at in range(len(tape) - 1, -1, -1):" in text and "tape.pop()" not in text
    assert_matches(piecewise, s2sad.grad(piecewise, wrt=(0, 1), backend="numba"),
                   (0.9, 0.4, 60), (0, 1))


def newton_outer(a, b, n):
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


def test_a_solve_in_a_loop_reads_its_tape_down_and_empties_it():
    # each outer step's solve pushes onto the tape its reverse read: a tape read by
    # position must be emptied after, or the next step reads stale entries
    df = s2sad.grad(newton_outer, wrt=(0, 1), backend="numba")
    assert_matches(newton_outer, df, (2.0, 5.0, 6), (0, 1))
    assert "tape.clear()" in s2sad.source(df, floats=True)


@pytest.mark.parametrize("body, rewritten", [
    ("v = s.pop()\n    t = t + v", True),
    ("a, b = s.pop()\n    t = t + a * b", True),
    ("v = s.pop()\n    if v > 2:\n        break", False),        # leaves with items left
    ("v = s.pop()\n    for k in range(3):\n        if k: break", True),  # another loop's
    ("v = s.pop()\n    t = t + len(s)", False),                 # reads the stack's length
    ("v = s.pop()\n    s.append(v - 1) if v > 1 else None", False),
    ("t = t + 1\n    v = s.pop()", False),
    ("v = s.pop(0)", False),
])
def test_loops_emptying_a_stack_are_read_down_only_when_that_is_the_same(body, rewritten):
    import ast
    text = f"def f(s, t):\n  while s:\n    {body}\n  return t\n"
    definition = ast.parse(text).body[0]
    found = numba_backend._emptying_loops(definition)
    assert bool(found) == rewritten
    if rewritten:
        new = numba_backend._rewritten(text, definition, "f", {}, {}, False, found)
        pairs = "a, b" in body
        for items in ([], [1.0], [3.0, 1.0, 2.0]):
            items = [(v, v + 1.0) for v in items] if pairs else items
            namespace = {}
            exec(text, namespace)
            exec(new.replace("def f(", "def g("), namespace)
            original, copy = list(items), list(items)
            assert namespace["f"](original, 0.5) == namespace["g"](copy, 0.5)
            assert original == copy == []


def test_helpers_are_compiled_as_a_call_graph():
    df = s2sad.grad(calls_bump, wrt=(0, 1), backend="numba")
    assert_matches(calls_bump, df, (0.3, 0.2), (0, 1))
    text = s2sad.source(df, floats=True)
    assert "def bump(x, y):" in text and "def dbump(" in text
    assert "assert_scalar(" in text and ", calls_bump)" not in text  # the function is dropped
    assert "range(3 + (11 - 3 - 1) // 2 * 2, 3 - 2, -2)" in text


def special_functions(x, y):
    return math.gamma(x) * math.lgamma(y) + math.erf(x * y) + math.erfc(y - x)


def test_math_special_functions_compile_with_their_digamma_helper():
    """math.gamma's and math.lgamma's rules call s2sad's digamma: plain float code
    that numba compiles with the derivative."""
    df = s2sad.grad(special_functions, wrt=(0, 1), backend="numba")
    assert_matches(special_functions, df, (1.3, 2.7), (0, 1))
    assert_matches(special_functions, df, (-0.4, 0.3), (0, 1))
    assert "def digamma(x):" in s2sad.source(df, floats=True)


def lyapunov_of_the_logistic_map(r, x0, n):
    x = x0
    s = 0.0
    for i in range(n):
        x = r * x * (1.0 - x)
        s += math.log(abs(r * (1.0 - 2.0 * x))) + x ** r
    return s / n


def test_abs_and_a_power_in_its_exponent_compile():
    """abs's rule calls abs_slope and a power's (in its exponent) power_log; their
    array versions return a number on one branch and a 0-d array on the other,
    which numba cannot unify: every such derivative ran in Python."""
    df = s2sad.grad(lyapunov_of_the_logistic_map, wrt=(0, 1), backend="numba")
    assert_matches(lyapunov_of_the_logistic_map, df, (3.7, 0.3, 8), (0, 1))


def test_keyword_only_seeds_and_tangents_become_positional():
    vjp_df = s2sad.autodiff(scaled_exp, backend="numba")
    got = compiled_without_warnings(vjp_df, 0.4, 3.0, bresult=2.0)
    assert got == pytest.approx(2.0 * 3.0 * math.exp(0.4), rel=1e-14)
    assert "def dscaled_exp(x, y, bresult):" in s2sad.source(vjp_df, floats=True)
    jvp_df = s2sad.autodiff(scaled_exp, mode="forward", backend="numba")
    assert compiled_without_warnings(jvp_df, 0.4, 3.0, dx=2.0) == \
        pytest.approx(2.0 * 3.0 * math.exp(0.4), rel=1e-14)


def test_functional_conveniences_take_the_backend():
    value, tangent = s2sad.jvp(newton, (2.0, 5.0), (1.0, 0.0), backend="numba")
    assert value == pytest.approx(newton(2.0, 5.0))
    assert tangent == pytest.approx(finite_difference(newton, (2.0, 5.0), 0), rel=1e-6)
    value, gradient = s2sad.value_and_grad(newton, wrt=1, backend="numba")(2.0, 5.0)
    assert gradient == pytest.approx(finite_difference(newton, (2.0, 5.0), 1), rel=1e-6)
    value, pullback = s2sad.vjp(newton, 2.0, 5.0, backend="numba")
    assert pullback(2.0)[1] == pytest.approx(2 * finite_difference(newton, (2.0, 5.0), 1),
                                             rel=1e-6)


def test_second_derivatives_and_jacobians_take_the_backend():
    """y * exp(x): its second derivative in x and its derivative in y, compiled
    (a fallback would warn), against the closed forms."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = s2sad.hessian(scaled_exp, wrt=0, backend="numba")(0.4, 3.0)
        across = s2sad.jacobian(scaled_exp, wrt=1, backend="numba")(0.4, 3.0)
    assert float(second) == pytest.approx(3.0 * math.exp(0.4), rel=1e-14)
    assert float(across) == pytest.approx(math.exp(0.4), rel=1e-14)


def test_array_arguments_run_python_after_one_warning():
    df = s2sad.grad(piecewise, wrt=(0, 1), backend="numba")
    args = (np.array(0.9), 0.4, 20)
    with pytest.warns(s2sad.BackendFallbackWarning, match="got x of type ndarray"):
        first = df(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = df(*args)
    expected = s2sad.grad(piecewise, wrt=(0, 1))(*args)
    np.testing.assert_allclose(first, expected)
    np.testing.assert_allclose(second, expected)
    assert_matches(piecewise, df, (0.9, 0.4, 20), (0, 1))  # floats still compile


def test_code_numba_cannot_type_runs_python_after_one_warning():
    df = s2sad.grad(uses_a_stack, backend="numba")
    with pytest.warns(s2sad.BackendFallbackWarning, match="numba cannot compile the "
                      "derivative of 'uses_a_stack'.*test_numba_backend.py"):
        first = df(1.5, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = df(2.0, 4)
    assert first == pytest.approx(finite_difference(uses_a_stack, (1.5, 4), 0), rel=1e-6)
    assert second == pytest.approx(finite_difference(uses_a_stack, (2.0, 4), 0), rel=1e-6)
    assert "copy_of(" in s2sad.source(df, floats=True)  # the Python float version runs


def continued_fraction(x, depth):
    if depth == 0:
        return x
    return x + 1.0 / (1.0 + continued_fraction(x, depth - 1))


def calls_the_fraction(x):
    return continued_fraction(x, 3)


def test_a_recursive_call_graph_runs_python_after_one_warning():
    """numba typed the recursive derivative wrongly (TypeError), and loading it from
    its cache in a new process crashed the interpreter."""
    df = s2sad.grad(calls_the_fraction, backend="numba")
    with pytest.warns(s2sad.BackendFallbackWarning, match="'continued_fraction' calls itself"):
        value = df(0.8)
    assert value == pytest.approx(finite_difference(calls_the_fraction, (0.8,), 0), rel=1e-6)


def test_an_int_parameter_no_derivative_reaches_is_refused_as_in_python():
    df = s2sad.grad(counts, wrt=(0, 1), backend="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", s2sad.BackendFallbackWarning)
        with pytest.raises(s2sad.WrtError, match="'n'"):
            df(2.0, 3)


def test_an_unknown_backend_is_refused():
    with pytest.raises(s2sad.S2SADError, match="backend must be one of 'python', 'numba'"):
        s2sad.grad(newton, backend="cython")


def test_without_numba_the_python_derivative_runs_after_a_warning(monkeypatch):
    monkeypatch.setattr(numba_backend, "available", lambda: False)
    with pytest.warns(s2sad.BackendFallbackWarning, match="needs numba"):
        df = s2sad.grad(counts, backend="numba")
    assert df(2.0, 3) == 3.0


@pytest.mark.parametrize("arguments", [(5,), (0,), (2, 9), (9, 2), (-3, 4), (1, 10, 3),
                                       (1, 11, 3), (4, 4, 2), (7, 1, 2), (-5, 6, 4)])
def test_reversed_ranges_count_down_to_the_same_values(arguments):
    import ast
    call = ast.parse(f"reversed(range({', '.join(map(str, arguments))}))").body[0].value
    counted = numba_backend._reversed_ranges(ast.Module(body=[ast.Expr(call)]))
    text = numba_backend._count_down(numba_backend._Source(ast.unparse(call)),
                                     counted[call])
    assert list(eval(text)) == list(reversed(range(*arguments)))


def test_a_new_process_loads_the_compiled_code_from_the_disk_cache(cache_folder):
    script = textwrap.dedent("""
        import time
        t0 = time.perf_counter()
        import s2sad, test_numba_backend as cases
        from s2sad.specialize import scalar_version
        df = s2sad.grad(cases.newton, wrt=(0, 1), backend="numba")
        t1 = time.perf_counter()
        value = df(2.0, 5.0)
        t2 = time.perf_counter()
        print(scalar_version(df).stats.cache_hits.most_common(), value, t2 - t1)
    """)
    environment = dict(os.environ, S2SAD_CACHE=str(cache_folder),
                       PYTHONPATH=os.pathsep.join([os.path.dirname(__file__),
                                                   os.path.dirname(os.path.dirname(
                                                       __file__))]))
    runs = [subprocess.run([sys.executable, "-c", script], env=environment,
                           capture_output=True, text=True, timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (run.stdout.split("] ")[0] for run in runs)
    assert first == "["          # compiled
    assert "1)" in second        # one signature loaded from the cache
    assert runs[0].stdout.split("] ")[1].split(")")[0] == \
        runs[1].stdout.split("] ")[1].split(")")[0]  # the same gradient
    assert len(list(cache_folder.glob("s2sad_numba_dnewton_*.py"))) == 1


def log_plus(x, y):
    return np.log(x) + np.sqrt(x) * y + np.exp(y)


def test_compiled_code_gives_numpys_inf_and_nan():
    df = s2sad.grad(log_plus, wrt=1, preserve_result=True, backend="numba")
    for x, y in [(0.0, 2.0), (-1.0, 2.0), (1.0, 1000.0)]:
        got = compiled_without_warnings(df, x, y)
        with np.errstate(all="ignore"):
            expected = s2sad.grad(log_plus, wrt=1, preserve_result=True)(
                np.float64(x), np.float64(y))
        assert not np.all(np.isfinite(got))
        np.testing.assert_equal(got, expected)


def square(x):
    return x * x


def cube(x):
    return x * x * x


def calls_square(x):
    return square(x) + x


def test_a_rebound_helper_gets_a_new_compiled_derivative(monkeypatch):
    df = s2sad.grad(calls_square, backend="numba")
    assert compiled_without_warnings(df, 1.5) == pytest.approx(2 * 1.5 + 1)
    monkeypatch.setattr(sys.modules[__name__], "square", cube)
    assert compiled_without_warnings(df, 1.5) == pytest.approx(3 * 1.5 ** 2 + 1)
    assert "x * x * x" in s2sad.source(df, floats=True)


def sums_until_large(x, start):
    s = 0.0
    for i in range(50):
        s = s + math.sin(x * i)
        if s > 10.0:
            break
    for j in range(start, 40):
        s = s + math.cos(x * j) * 0.5
        if s > 12.0:
            break
    return s


def test_loops_with_break_compile():
    """The reverse sweep of a loop with `break` walks `reversed(range(...)[:n])`,
    which numba cannot type: every such derivative ran in Python."""
    df = s2sad.grad(sums_until_large, backend="numba")
    for x in (0.3, 0.05, 1.7):
        got = compiled_without_warnings(df, x, 3)
        np.testing.assert_allclose(got, s2sad.grad(sums_until_large)(x, 3), rtol=1e-12)
        np.testing.assert_allclose(got, finite_difference(sums_until_large, (x, 3), 0),
                                   rtol=1e-6)


def fresh_copy(func):
    """`func` as a new function object: s2sad's cache of derivatives is per object."""
    return types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)


def test_the_general_derivative_is_made_on_the_first_call_that_needs_it(monkeypatch):
    from s2sad import api
    made = []
    generate = api._generate
    monkeypatch.setattr(api, "_generate", lambda *args, **kwargs: made.append(
        kwargs["floats"]) or generate(*args, **kwargs))
    f = fresh_copy(piecewise)
    df = s2sad.grad(f, wrt=(0, 1), backend="numba")
    assert made == [True]  # what numba compiles: the float version only
    assert_matches(piecewise, df, (0.9, 0.4, 20), (0, 1))
    assert made == [True]
    with pytest.warns(s2sad.BackendFallbackWarning, match="got x of type ndarray"):
        on_arrays = df(np.array(0.9), 0.4, 20)
    assert made == [True, False]
    np.testing.assert_allclose(on_arrays, s2sad.grad(piecewise, wrt=(0, 1))(0.9, 0.4, 20),
                               rtol=1e-12)


def test_the_source_of_a_compiled_derivative_is_the_general_one_before_any_call():
    f = fresh_copy(newton)
    df = s2sad.grad(f, backend="numba")
    assert s2sad.source(df) == s2sad.source(s2sad.grad(fresh_copy(newton)))
    assert "import numba" in s2sad.source(df, floats=True)



def returns_early(x):
    if x > 10.0:
        return x
    return x * x


def test_compiled_code_meeting_a_value_it_typed_otherwise_runs_python():
    """The float version of returns_early's hvp pops None from its tape where numba
    typed a float: a TypeError from the compiled code, now a fallback."""
    hvp = s2sad.hvp(fresh_copy(returns_early), backend="numba")
    with pytest.warns(s2sad.BackendFallbackWarning, match="got None"):
        assert hvp(1.5, 1.0) == pytest.approx(2.0, rel=1e-12)
    assert hvp(12.0, 1.0) == pytest.approx(0.0, abs=1e-12)
