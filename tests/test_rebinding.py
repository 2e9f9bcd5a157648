"""A helper rebound after its caller's derivative was made: the derivative
follows the new helper, as the caller does (s2sad/rebinding.py)."""
import sys
import types

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients

THIS_MODULE = sys.modules[__name__]


def helper(x):
    return x * x


def cubic(x):
    return x * x * x


def calls_helper(x):
    return np.sum(helper(x)) + 1.0


def middle(x):
    return helper(x) * 2.0


def calls_middle(x):
    return np.sum(middle(x))


tools = types.ModuleType("tools")
tools.scale = lambda x: 3.0 * x


def calls_module_attribute(x):
    return np.sum(tools.scale(x) * x)


@pytest.fixture
def x():
    return np.array([0.5, -1.25, 2.0])


def test_rebound_global_helper_gets_a_new_derivative(monkeypatch, x):
    df = s2sad.grad(calls_helper)
    assert_gradients(calls_helper, df, (x,), (0,))
    monkeypatch.setattr(THIS_MODULE, "helper", cubic)
    assert_gradients(calls_helper, df, (x,), (0,))
    assert df(1.5) == pytest.approx(3 * 1.5 ** 2)
    monkeypatch.undo()
    assert_gradients(calls_helper, df, (x,), (0,))


def test_rebound_helper_in_forward_mode(monkeypatch, x):
    jvp = s2sad.autodiff(calls_helper, mode="forward")
    monkeypatch.setattr(THIS_MODULE, "helper", cubic)
    assert jvp(x, np.ones(3)) == pytest.approx(np.sum(3 * x * x))


def test_rebound_helper_two_calls_down(monkeypatch, x):
    df = s2sad.grad(calls_middle)
    assert_gradients(calls_middle, df, (x,), (0,))
    monkeypatch.setattr(THIS_MODULE, "helper", cubic)
    assert_gradients(calls_middle, df, (x,), (0,))


def test_replaced_module_attribute(monkeypatch, x):
    df = s2sad.grad(calls_module_attribute)
    assert_gradients(calls_module_attribute, df, (x,), (0,))
    monkeypatch.setattr(tools, "scale", lambda x: np.sin(x))
    assert_gradients(calls_module_attribute, df, (x,), (0,))


def test_a_derivative_without_helpers_has_no_guard():
    def plain(x):
        return x * x

    assert "guard" not in s2sad.grad(plain).__code__.co_filename
