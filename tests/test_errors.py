"""Every error class: its message names the construct, the user's file and line,
shows the source line with a caret, and says what to do."""
import linecache
import re
import threading

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients

HERE = __file__


def uses_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


def calls_hfft(x):
    return np.sum(np.fft.hfft(x))


def vector_out(x):
    return x * 2.0


def writes_argument_in_branch(x, c):
    if c > 0:
        x[0] = 1.0
    return np.sum(x)


def writes_argument_after_early_return(x, c):
    if c > 0:
        return np.sum(x)
    x[1] = 1.0
    return np.sum(x * x)


_namespace = {}
exec("def made_by_exec(u):\n    return u * 2.0\n", _namespace)
made_by_exec = _namespace["made_by_exec"]  # a function whose source nobody can read


def calls_function_without_source(x):
    y = x * 3.0
    return made_by_exec(y) + 1.0


def keyword_only(x, *, k=1.0):
    return x * k


def square(x):
    return x * x


def line_of(function_name: str) -> int:
    with open(HERE) as source:
        for number, line in enumerate(source, 1):
            if line.startswith(f"def {function_name}("):
                return number
    raise AssertionError(function_name)


def assert_located(error, line: int, source: str, caret_under: str = None):
    text = str(error)
    assert f'File "{HERE}", line {line}' in text
    lines = text.splitlines()
    index = next(i for i, l in enumerate(lines) if l.strip() == source.strip())
    caret = lines[index + 1]
    assert caret.strip() == "^"
    if caret_under:
        column = lines[index].index(caret_under)
        assert caret.index("^") == column
    assert "Hint: " in text


def test_unsupported_syntax_message():
    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.grad(uses_try)
    assert "try/except" in str(info.value) and "'uses_try'" in str(info.value)
    assert_located(info.value, line_of("uses_try") + 1, "try:")


def test_non_differentiable_call_message():
    with pytest.raises(s2sad.NonDifferentiableError) as info:
        s2sad.grad(calls_hfft)
    assert "numpy.fft.hfft" in str(info.value) and "@s2sad.adjoint" in str(info.value)
    assert_located(info.value, line_of("calls_hfft") + 1,
                   "return np.sum(np.fft.hfft(x))", caret_under="np.fft.hfft")


def test_shape_error_for_non_scalar_output_and_bad_seed():
    with pytest.raises(s2sad.ShapeError, match=r"shape \(3,\)") as info:
        s2sad.grad(vector_out)(np.ones(3))
    assert_located(info.value, line_of("vector_out"), "def vector_out(x):")
    with pytest.raises(s2sad.ShapeError, match=r"seed has shape \(2,\)"):
        s2sad.autodiff(vector_out)(np.ones(3), np.ones(2))


def sum_plus(x, y):
    return np.sum(x ** 2) + y * 2.0


def sum_minus_dot(w, X, y):
    Xw = X @ w
    return np.sum(np.log1p(np.exp(Xw))) - np.dot(y, Xw)


def rebinds_after_reading(x, y):
    r = np.sum(x) + y
    y = np.zeros(5)
    return r + np.sum(y)


def test_output_checks_read_the_operand_deciding_its_shape():
    """The 0-d sums are not computed for the check; the operand that decides the
    output's shape is, and its shape is the one reported."""
    assert "= np.sum(" not in s2sad.source(s2sad.grad(sum_plus))
    with pytest.raises(s2sad.ShapeError, match=r"shape \(3,\)") as info:
        s2sad.grad(sum_plus)(np.ones(2), np.ones(3))
    assert_located(info.value, line_of("sum_plus"), "def sum_plus(x, y):")
    rng = np.random.default_rng(0)
    w, X, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    assert "np.sum(" not in s2sad.source(s2sad.grad(sum_minus_dot)).split("# Grad of")[0]
    assert_gradients(sum_minus_dot, s2sad.grad(sum_minus_dot, wrt=(0, 1, 2)), (w, X, y),
                     (0, 1, 2))
    with pytest.raises(s2sad.ShapeError, match=r"shape \(2,\)"):
        s2sad.grad(sum_minus_dot)(w, X, np.ones((2, 5)))
    # y holds another value at the end: the check reads r, the value y decided
    gx, gy = s2sad.grad(rebinds_after_reading, wrt=(0, 1))(np.array([0.5, 2.0]), 2.0)
    assert gy == 1.0 and np.array_equal(gx, [1.0, 1.0])


def test_grad_refuses_an_array_seed():
    """grad's seed scales a scalar output: an array there has no meaning (it was
    summed before, silently)."""
    for f, args in [(sum_plus, (np.ones(2), 1.0)), (vector_out, (np.ones(()),)),
                    (sum_minus_dot, (np.ones(3), np.ones((5, 3)), np.ones(5)))]:
        df = s2sad.grad(f)
        with pytest.raises(s2sad.ShapeError, match=r"scalar seed, not one of shape \(4,\)"):
            df(*args, np.ones(4))
        np.testing.assert_allclose(df(*args, 2.0), 2.0 * df(*args))


def item_of_item_write(w):
    grid = [[0.0, 0.0], [0.0, 0.0]]
    grid[0][1] = w[0] * w[1]
    return grid[0][1]


def list_in_a_dict(x):
    traj = {"a": []}
    traj["a"].append(x * 1.5)
    return traj["a"][0]


def test_writes_the_normal_form_splits_are_named_as_written():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=r"item of an item") as info:
        s2sad.grad(item_of_item_write)
    assert "a[i, j] = v" in str(info.value) and "row = list(a[i])" in str(info.value)
    assert_located(info.value, line_of("item_of_item_write") + 2,
                   "grid[0][1] = w[0] * w[1]")
    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.grad(list_in_a_dict)
    assert "a write into 'traj['a']': 'traj' may share" in str(info.value)
    assert "`traj['a'] = <new value>`" in str(info.value)
    assert re.search(r"'t\d*'", str(info.value)) is None  # no name of s2sad's own


def test_wrt_errors():
    for wrt, pattern in [(3, "out of range"), ("z", "not a parameter"), ((0, 0), "repeats"),
                         ((), "empty"), (1.5, "indices or names")]:
        with pytest.raises(s2sad.WrtError, match=pattern) as info:
            s2sad.grad(square, wrt=wrt)
        assert_located(info.value, line_of("square"), "def square(x):")


def test_keyword_only_parameters_stay_keyword_only_and_can_be_differentiated():
    assert s2sad.grad(keyword_only, wrt=(0, "k"))(3.0, k=2.0) == (2.0, 3.0)
    jvp = s2sad.autodiff(keyword_only, mode="forward")
    with pytest.raises(TypeError, match="positional argument"):
        jvp(3.0, 1.0)  # the tangent cannot be mistaken for a parameter
    assert jvp(3.0, k=2.0, dx=1.0) == 2.0


def test_function_without_source():
    namespace = {}
    exec("def g(x):\n    return x * x\n", namespace)
    with pytest.raises(s2sad.SourceUnavailableError, match="cannot read the source of"):
        s2sad.grad(namespace["g"])
    with pytest.raises(s2sad.SourceUnavailableError, match="not a Python function"):
        s2sad.grad(np.sin)


@pytest.mark.parametrize("f", [writes_argument_in_branch, writes_argument_after_early_return])
def test_writes_into_an_argument_work_on_a_private_copy(f):
    x = np.array([0.5, 2.0, 3.0])
    assert_gradients(f, s2sad.grad(f), (x, 1.0), (0,))
    assert_gradients(f, s2sad.grad(f), (x, -1.0), (0,))
    assert np.array_equal(x, [0.5, 2.0, 3.0])


def calls_helper_that_writes(x, c):
    return writes_argument_in_branch(x * 1.0, c) + writes_argument_in_branch(x, c)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_helper_writing_into_its_argument_points_at_the_write(mode):
    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.autodiff(calls_helper_that_writes, mode=mode)
    assert "write into the argument 'x' of function 'writes_argument_in_branch'" in \
        str(info.value)
    assert_located(info.value, line_of("writes_argument_in_branch") + 2, "x[0] = 1.0")


@pytest.mark.parametrize("mode, decorator", [("reverse", "adjoint"), ("forward", "tangent")])
def test_calling_a_function_without_source_points_at_the_call(mode, decorator):
    with pytest.raises(s2sad.SourceUnavailableError) as info:
        s2sad.autodiff(calls_function_without_source, mode=mode)
    message = str(info.value)
    assert "'made_by_exec'" in message and "'calls_function_without_source'" in message
    assert f"@s2sad.{decorator}(made_by_exec)" in message
    assert_located(info.value, line_of("calls_function_without_source") + 2,
                   "return made_by_exec(y) + 1.0", caret_under="made_by_exec")


def wrong_cbrt(y, x):
    d[x] = d[y] * 2.0  # noqa: F821 (a deliberately wrong rule, read as source only)


def test_gradient_check_error_reports_the_worst_entry():
    def cube_root_sum(x):
        return np.sum(np.cbrt(x))

    import s2sad.registry as registry
    saved = registry.ADJOINTS[np.cbrt]
    registry.ADJOINTS[np.cbrt] = registry.Template(wrong_cbrt)
    try:
        with pytest.raises(s2sad.GradientCheckError, match=r"max abs error .* at index"):
            s2sad.check_grads(cube_root_sum, np.array([1.0, 8.0]))
    finally:
        registry.ADJOINTS[np.cbrt] = saved


def layers_loss(params, x):
    (W1, b1), (W2, b2) = params["first"], params["second"]
    return np.sum(np.tanh(np.tanh(x @ W1 + b1) @ W2 + b2) ** 2)


def test_check_grads_takes_nested_lists_tuples_and_dicts_of_arrays():
    rng = np.random.RandomState(0)
    params = {"first": [rng.randn(3, 4), rng.randn(4)],
              "second": (rng.randn(4, 2), rng.randn(2))}
    grads = s2sad.check_grads(layers_loss, params, rng.randn(5, 3))
    assert [np.shape(g) for g in grads["first"]] == [(3, 4), (4,)]

    import s2sad.registry as registry
    saved = registry.ADJOINTS[np.cbrt]
    try:  # a wrong rule on one leaf is found there
        registry.ADJOINTS[np.cbrt] = registry.Template(wrong_cbrt)

        def with_cbrt(params, x):
            return layers_loss(params, x) + np.sum(np.cbrt(params["second"][1] + 2.0))

        with pytest.raises(s2sad.GradientCheckError, match="max abs error"):
            s2sad.check_grads(with_cbrt, params, rng.randn(5, 3))
    finally:
        registry.ADJOINTS[np.cbrt] = saved


def test_function_from_an_ipython_style_cell_works():
    # IPython registers each cell's source in linecache under a made-up filename
    filename = "<ipython-input-7-0123456789ab>"
    source = "def cell_function(x):\n    return x ** 3 + x\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    assert s2sad.grad(namespace["cell_function"])(2.0) == 13.0


def test_function_from_a_real_ipython_shell():
    shell_module = pytest.importorskip("IPython.core.interactiveshell",
                                       reason="IPython is not installed")
    shell = shell_module.InteractiveShell.instance()
    shell.run_cell("import s2sad\ndef h(x):\n    return x * x * x\n")
    result = shell.run_cell("s2sad.grad(h)(2.0)")
    assert result.result == 12.0


def test_generated_functions_are_cached_safely_across_threads():
    def target(x):
        return np.sum(np.sin(x) * x)

    results = []

    def worker():
        results.append(s2sad.grad(target))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(r) for r in results}) == 1


def test_integer_inputs_are_treated_as_real_numbers():
    assert s2sad.grad(square)(3) == 6.0


def test_messages_never_leak_internal_exceptions_for_bad_calls():
    with pytest.raises(s2sad.S2SADError):
        s2sad.autodiff(square, mode="sideways")
    assert re.search("mode must be", str(pytest.raises(s2sad.S2SADError, s2sad.autodiff,
                                                       square, mode="x").value))


def test_a_file_changed_after_import_is_refused_not_differentiated_as_another_function(
        tmp_path, monkeypatch):
    module = tmp_path / "changed_after_import.py"
    module.write_text("def f(x):\n    return x * x\n\n\ndef g(x):\n    return 3.0 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    import linecache
    changed = importlib.import_module("changed_after_import")
    module.write_text("def f(x):\n    return x * x\n\n\ndef h(x):\n    return x\n\n\n"
                      "def g(x):\n    return 3.0 * x\n")
    linecache.checkcache(str(module))
    with pytest.raises(s2sad.SourceUnavailableError, match="changed after it was imported"):
        s2sad.grad(changed.g)


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return np.tanh(x @ self.W + self.b)


def calls_an_object_made_of_parameters(W, b, x):
    layer = Dense(W, b)
    return np.sum(layer(x) ** 2)


def unzips_parameters(a, b):
    xs, ys = zip(*list(zip(a, b)))
    return xs[0] * ys[1]


def test_an_object_made_of_differentiable_values_is_refused_not_dropped():
    """The object's call would carry W's and b's derivatives: s2sad does not
    follow values into objects, and said nothing (a zero gradient) before."""
    args = (np.ones((2, 3)), np.ones(3), np.ones((4, 2)))
    with pytest.raises(s2sad.NonDifferentiableError, match="function value itself") as info:
        s2sad.grad(calls_an_object_made_of_parameters, wrt=(0, 1))(*args)
    assert_located(info.value, line_of("calls_an_object_made_of_parameters") + 2,
                   "return np.sum(layer(x) ** 2)", caret_under="layer(x)")
    with pytest.raises(s2sad.NonDifferentiableError, match="objects of your classes") as info:
        s2sad.autodiff(calls_an_object_made_of_parameters, wrt=(0,), mode="forward")(
            *args, np.ones((2, 3)))
    assert_located(info.value, line_of("calls_an_object_made_of_parameters") + 1,
                   "layer = Dense(W, b)")
    # made of constants only, the object's __call__ is a method like any other
    f = calls_an_object_made_of_parameters
    args = (np.linspace(-1, 1, 6).reshape(2, 3), np.array([0.1, -0.2, 0.3]),
            np.linspace(0.5, -0.5, 8).reshape(4, 2))
    assert_gradients(f, s2sad.grad(f, wrt=(2,)), args, (2,))


def activation_from_parameters(params, x):
    act = params["activation"]
    return np.sum(act(x @ params["W"]))


def test_a_plain_function_taken_from_the_parameters_is_called_as_usual():
    """The function value comes from a differentiated dict, but holds nothing."""
    x, W = np.array([[0.5, -0.2]]), np.array([[0.3, -0.1], [0.2, 0.4]])
    gradient = s2sad.grad(activation_from_parameters)({"activation": np.tanh, "W": W}, x)
    expected = x.T @ (1.0 - np.tanh(x @ W) ** 2)
    np.testing.assert_allclose(gradient["W"], expected, rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_zip_as_a_value_is_refused_with_advice(mode):
    """zip and enumerate were taken for functions with no derivative: a zero."""
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    with pytest.raises(s2sad.NonDifferentiableError, match="zip") as info:
        s2sad.autodiff(unzips_parameters, wrt=(0,), mode=mode)(
            a, b, *([] if mode == "reverse" else [np.ones(2)]))
    assert "for loop's header" in str(info.value)
