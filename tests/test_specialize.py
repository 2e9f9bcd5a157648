"""Scalar specialization: calls with float (and int) arguments run a derivative
written for floats; any other call runs the general one. Both must agree."""
import inspect
import math

import numpy as np
import pytest

import s2sad
from s2sad.specialize import scalar_version

from gradcheck import assert_gradients, finite_difference


def smooth(x, y):
    z = x * x * y + math.sin(y)
    return z / (1.0 + y * y)


def looped(a, b, n):
    z = 0.5
    for i in range(n):
        z = a * math.cos(z + i) + z * math.sin(b - i)
    return z


def branchy(x, y):
    s = 0.0
    for i in range(20):
        t = x * (i % 7) - y * 0.01 * i
        if t > 1.0:
            s = s + math.log(t)
        elif t > -1.0:
            s = s + 0.5 * t * t
        else:
            s = s - t - 0.5
    return s


def rebinds_parameter(p, x):
    if x > 100.0:
        p = x * 2.0
    return np.sum(p * x)


def numerical(f, args, wrt):
    return [float(finite_difference(f, args, i)) for i in wrt]


@pytest.mark.parametrize("f, args, wrt", [
    (smooth, (0.7, -1.3), (0, 1)),
    (looped, (0.9, 0.4, 30), (0, 1)),
    (branchy, (0.3, 0.8), (0, 1)),
])
def test_float_calls_run_the_scalar_version_and_match_differences(f, args, wrt):
    df = s2sad.grad(f, wrt=wrt)
    got = df(*args)
    assert scalar_version(df) is not None
    assert "unbroadcast" not in s2sad.source(df, floats=True)
    assert "unbroadcast" in s2sad.source(df)
    for value, expected in zip(got, numerical(f, args, wrt)):
        assert value == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f, args, wrt", [
    (smooth, (0.7, -1.3), (0, 1)),
    (looped, (0.9, 0.4, 30), (0, 1)),
])
def test_scalar_and_general_versions_agree(f, args, wrt):
    df = s2sad.grad(f, wrt=wrt)
    general = inspect.unwrap(df)
    scalar = scalar_version(df)
    assert scalar is not general
    np.testing.assert_allclose(scalar(*args), general(*args), rtol=1e-14)


def summed(x, y):
    z = x * x * y + np.sin(y)
    return np.sum(z / (1.0 + y * y))


def test_array_arguments_take_the_general_version():
    df = s2sad.grad(summed, wrt=(0, 1))
    x = np.array([[0.5], [1.5], [-0.25]])
    y = np.array([0.3, -0.8, 1.1, 2.0])
    assert_gradients(summed, df, (x, y), (0, 1))  # also checks the (3, 1) and (4,) shapes
    assert_gradients(summed, df, (0.5, 0.3), (0, 1))


def test_a_parameter_rebound_to_an_array_keeps_its_shape():
    df = s2sad.grad(rebinds_parameter, wrt=(0,))
    p = np.array([1.0, 2.0, 3.0])
    gp = df(p, 0.5)
    np.testing.assert_allclose(gp, np.full(3, 0.5))
    assert df(2.0, 0.5) == pytest.approx(0.5)


def test_int_arguments_count_as_scalars():
    df = s2sad.grad(looped, wrt=(0, 1))
    assert df(1, 0, 5) == pytest.approx(df(1.0, 0.0, 5))
    assert scalar_version(df) is not None


def test_dispatcher_keeps_name_signature_defaults_and_source():
    df = s2sad.grad(smooth, wrt=(0, 1))
    assert df.__name__ == "dsmooth"
    assert str(inspect.signature(df)) == "(x, y, bresult=1.0)"
    assert inspect.getsource(df) == s2sad.source(df)
    gx, gy = df(0.7, -1.3, bresult=2.0)   # a keyword argument: the general version
    ex, ey = numerical(smooth, (0.7, -1.3), (0, 1))
    assert gx == pytest.approx(2.0 * ex, rel=1e-6)
    assert gy == pytest.approx(2.0 * ey, rel=1e-6)


def test_second_derivative_through_a_dispatcher():
    dx = s2sad.grad(smooth, wrt=0)
    ddx = s2sad.grad(dx, wrt=0)
    x, y, eps = 0.7, -1.3, 1e-5
    expected = (dx(x + eps, y) - dx(x - eps, y)) / (2 * eps)
    assert ddx(x, y) == pytest.approx(expected, rel=1e-6)


def test_forward_mode_specializes_too():
    jvp = s2sad.autodiff(smooth, wrt=(0, 1), mode="forward")
    got = jvp(0.7, -1.3, 1.0, 0.0)
    assert got == pytest.approx(numerical(smooth, (0.7, -1.3), (0, 1))[0], rel=1e-6)
    assert scalar_version(jvp) is not None
    assert "like(" not in s2sad.source(jvp, floats=True)


def stacks_parameter(x, y):
    x = np.array([x, y * x, 2.0])
    return np.sum(x * x) + y


def broadcasts_in_loop(x, y):
    for i in range(3):
        x = x + y * np.ones(2)   # a float on entry, an array from the first pass on
    return np.sum(x * x)


@pytest.mark.parametrize("f", [stacks_parameter, broadcasts_in_loop])
def test_a_float_parameter_rebound_to_an_array_is_not_taken_for_a_scalar(f):
    df = s2sad.grad(f, wrt=(0, 1))
    assert_gradients(f, df, (0.7, -1.3), (0, 1))
    assert_gradients(f, df, (np.float64(0.7), np.float64(-1.3)), (0, 1))


def newton_sqrt(a):
    x = a
    for i in range(8):
        x = x - (x * x - a) / (2.0 * x)
    return x


def test_a_parameter_rebound_to_floats_keeps_the_float_version_lean():
    df = s2sad.grad(newton_sqrt)
    assert "unbroadcast" not in s2sad.source(df, floats=True)
    assert df(2.0) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-9)


def annotated(x: float, y: float):
    z = x * y + math.sin(x)
    return z * x


def test_no_dispatcher_when_the_general_version_has_nothing_to_leave_out():
    df = s2sad.grad(annotated, wrt=(0, 1))
    assert scalar_version(df) is None and not hasattr(df, "__wrapped__")
    assert "unbroadcast" not in s2sad.source(df) and "assert_scalar" not in s2sad.source(df)
    gx, gy = df(0.7, -1.3)
    ex, ey = numerical(annotated, (0.7, -1.3), (0, 1))
    assert gx == pytest.approx(ex, rel=1e-6) and gy == pytest.approx(ey, rel=1e-6)


def parameters_named_like_the_dispatcher(general, scalar, type):
    return general * scalar + math.sin(type) * general


def test_parameter_names_do_not_hide_the_dispatcher():
    df = s2sad.grad(parameters_named_like_the_dispatcher, wrt=(0, 1, 2))
    args = (0.7, -1.3, 0.4)
    assert scalar_version(df) is not None
    for got, want in zip(df(*args), numerical(parameters_named_like_the_dispatcher, args,
                                              (0, 1, 2))):
        assert got == pytest.approx(want, rel=1e-6)


def numpy_on_floats(x, y):
    z = np.exp(x) * np.sin(y) + np.sqrt(x * x + y * y)
    return np.log(z) + np.tanh(x - y) + np.arctan2(x, y)


def numpy_on_an_array(x):
    v = np.array([x, 2.0 * x])
    return np.sum(np.sin(v))


def log_plus(x, y):
    return np.log(x) + y


def grows(x, y):
    return np.exp(x) * y


def root_plus(x, y):
    return np.sqrt(x) + y


def test_the_float_version_calls_math_where_numpy_was_called_on_numbers():
    df = s2sad.grad(numpy_on_floats, wrt=(0, 1))
    args = (0.7, 1.3)
    assert_gradients(numpy_on_floats, df, args, (0, 1))
    text = s2sad.source(df, floats=True)
    for name in ("exp", "sin", "cos", "sqrt", "tanh"):  # log's value is not needed
        assert f"math.{name}(" in text, name
    assert not [line for line in text.splitlines()
                if "np." in line and not line.strip().startswith("#")]
    general = df(np.float64(0.7), np.float64(1.3))
    np.testing.assert_allclose(df(*args), general, rtol=1e-14)


def test_numpy_on_an_array_stays_numpy_in_the_float_version():
    df = s2sad.grad(numpy_on_an_array)
    assert "np.sin(v)" in s2sad.source(df, floats=True)
    assert df(0.4) == pytest.approx(float(finite_difference(numpy_on_an_array, (0.4,), 0)))


@pytest.mark.parametrize("f, x", [(log_plus, 0.0), (grows, 1000.0), (root_plus, -1.0)])
def test_where_math_raises_the_result_is_numpys(f, x):
    df = s2sad.grad(f, wrt=1, preserve_result=True)  # 1/x, 1/sqrt(x): no finite answer
    assert "math." in s2sad.source(df, floats=True)
    with np.errstate(all="ignore"):
        got = df(x, 2.0)
        expected = df(np.float64(x), np.float64(2.0))  # the general derivative
    assert not np.all(np.isfinite(got))  # -inf, inf or nan, as NumPy gives
    np.testing.assert_equal(got, expected)
