"""The quickstart example from the README: f(x, y) = x**2*y + y + 2."""
import inspect
import pathlib

import s2sad

GOLDEN = pathlib.Path(__file__).parent / "golden"


def f(x, y):
    return x ** 2 * y + y + 2


def f_scalars(x: float, y: float):
    return x ** 2 * y + y + 2


def test_values_at_3_4():
    assert s2sad.grad(f, wrt=(0, 1))(3.0, 4.0) == (24.0, 10.0)


def test_wrt_by_name_and_single_entry_is_bare():
    assert s2sad.grad(f, wrt="y")(3.0, 4.0) == 10.0
    assert s2sad.grad(f, wrt=("y", "x"))(3.0, 4.0) == (10.0, 24.0)


def test_preserve_result_appends_value():
    assert s2sad.grad(f, wrt=(0, 1), preserve_result=True)(3.0, 4.0) == (24.0, 10.0, 42.0)


def test_verbose_prints_the_generated_function(capsys):
    df = s2sad.grad(f, wrt=(0, 1), verbose=1, optimized=True, check_dims=False)
    printed = capsys.readouterr().out
    assert printed == s2sad.source(df)
    assert printed.startswith("def df(x, y, bresult=1.0):")
    assert "# Grad of: return x ** 2 * y + y + 2" in printed


def test_generated_source_matches_golden_file(golden):
    df = s2sad.grad(f, wrt=(0, 1))
    golden("seed_example.py", s2sad.source(df))


def test_scalar_annotations_give_the_short_form(golden):
    df = s2sad.grad(f_scalars, wrt=(0, 1))
    assert df(3.0, 4.0) == (24.0, 10.0)
    text = s2sad.source(df)
    assert "unbroadcast" not in text and "assert_scalar" not in text
    golden("seed_example_scalars.py", text)


def test_inspect_getsource_shows_generated_code():
    df = s2sad.grad(f, wrt=(0, 1))
    assert inspect.getsource(df) == s2sad.source(df)


def test_same_request_returns_cached_function():
    assert s2sad.grad(f, wrt=(0, 1)) is s2sad.grad(f, wrt=(0, 1))
    assert s2sad.grad(f, wrt=(0, 1)) is not s2sad.grad(f, wrt=(1, 0))


def test_decorator_bare_and_with_arguments():
    @s2sad.grad
    def g(x):
        return 3.0 * x * x

    @s2sad.grad(wrt=(0, 1))
    def h(x, y):
        return x * y

    assert g(2.0) == 12.0
    assert h(2.0, 5.0) == (5.0, 2.0)


def test_autodiff_reverse_takes_seed_as_last_argument():
    vjp = s2sad.autodiff(f, wrt=(0, 1))
    assert vjp(3.0, 4.0, 2.0) == (48.0, 20.0)
