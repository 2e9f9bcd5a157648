"""Decorated functions: s2sad differentiates what the decorated name computes.

A wrapper is Python with source, differentiated like any function; only
wrappers that provably forward their call (functools.lru_cache, and
functools.wraps wrappers whose body is `return fn(*args, **kwargs)`) are looked
through. Every gradient is checked against central finite differences.
"""
import functools
import inspect

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def sine_of(fn):
    """A wrapper that passes its arguments on, and changes the value."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return np.sin(fn(*args, **kwargs)) * SCALE
    return wrapper


SCALE = 3.0


def forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def reads_its_arguments(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs) * args[0]
    return wrapper


@doubled
def square(x):
    return x * x


@doubled
def cube_helper(x):
    return x * x * x


def calls_decorated_helper(x):
    return cube_helper(x) + np.sum(x)


@sine_of
def weighted(x, w, power=2.0):
    return np.sum(w * x ** power)


def calls_wrapper_with_keywords(x, w):
    return weighted(x, w=w, power=3.0) + weighted(x, w)


@forwarding
def forwarded(x):
    return np.sum(np.exp(x))


@functools.lru_cache(maxsize=None)
def cached_cube(x):
    return x * x * x


def calls_cached(x):
    return cached_cube(x) + x


def test_value_changing_decorator_is_differentiated():
    assert_gradients(square, s2sad.grad(square), (3.0,), (0,))
    assert s2sad.grad(square)(3.0) == pytest.approx(12.0)
    x = np.array([0.5, -1.5])
    total = lambda x: np.sum(square(x))  # noqa: E731
    assert_gradients(total, s2sad.grad(total), (x,), (0,))


def test_value_changing_decorator_in_forward_mode():
    jvp = s2sad.autodiff(square, mode="forward")
    assert jvp(3.0, 1.0) == pytest.approx(12.0)


def test_decorated_helper_called_from_f():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda x: np.sum(calls_decorated_helper(x))  # noqa: E731
    assert_gradients(f, s2sad.grad(f), (x,), (0,))
    assert s2sad.grad(calls_decorated_helper)(1.5) == pytest.approx(2.0 * 3 * 1.5 ** 2 + 1.0)
    jvp = s2sad.autodiff(calls_decorated_helper, mode="forward")
    assert jvp(1.5, 1.0) == pytest.approx(2.0 * 3 * 1.5 ** 2 + 1.0)


def test_wrapper_passing_on_args_and_kwargs_gets_the_wrapped_parameters():
    x, w = np.array([0.3, 1.2, 0.7]), np.array([1.0, -0.5, 2.0])
    df = s2sad.grad(calls_wrapper_with_keywords, wrt=(0, 1))
    assert_gradients(calls_wrapper_with_keywords, df, (x, w), (0, 1))
    assert "def dwrapper(x, w, power=2.0" in s2sad.source(s2sad.grad(weighted))


def test_forwarding_wrapper_is_looked_through():
    df = s2sad.grad(forwarded)
    assert s2sad.source(df).startswith("def dforwarded(x")
    x = np.array([0.1, 0.2])
    assert_gradients(forwarded, df, (x,), (0,))


def test_lru_cache_helper_is_differentiated():
    df = s2sad.grad(calls_cached)
    assert_gradients(calls_cached, df, (0.7,), (0,))
    assert df(2.0) == pytest.approx(13.0)


def test_grad_as_decorator_on_a_decorated_function():
    @s2sad.grad
    @doubled
    def dsquare(x):
        return x * x

    assert dsquare(3.0) == pytest.approx(12.0)


def test_wrapper_that_reads_its_arguments_is_refused_where_it_is():
    @reads_its_arguments
    def f(x):
        return x * x

    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.grad(f)
    error = info.value
    assert "wrapper 'wrapper'" in error.message and "args" in error.message
    assert error.location.filename == __file__
    assert error.location.lineno == reads_its_arguments.__code__.co_firstlineno + 2
    assert "fn(x, y)" in error.hint


# ---------------------------------------------------------------- reading source

def _plain(x):
    return x * 2.0


@functools.lru_cache(maxsize=None)
def _decorated(x):
    return x + 1.0


class _Holder:
    def method(self, x):
        return x - 1.0


def _maker():
    def inner(x):
        return x * x
    return inner


_LAMBDA = lambda x: x * 3.0  # noqa: E731


@pytest.mark.parametrize("function", [_plain, _decorated.__wrapped__, _Holder.method,
                                      _maker(), _LAMBDA],
                         ids=["plain", "decorated", "method", "nested", "lambda"])
def test_source_is_read_as_inspect_reads_it(function):
    from s2sad.parsing import _lines_of
    assert _lines_of(function) == inspect.getsourcelines(function.__code__)
