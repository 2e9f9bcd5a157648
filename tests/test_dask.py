"""Generated derivatives on Dask arrays (issue 19): NumPy dispatches the calls of the
generated code to dask.array, so the gradient of a function on chunked data is itself
a lazy Dask array.

Each test builds the derivative on Dask arrays with warnings turned into errors and
a scheduler that refuses to run (nothing may be computed while the graph is built),
then computes it with the synchronous scheduler and compares it with the gradient of
the same function on the NumPy arrays (to 1e-10 relative) and with central
differences. Skipped without Dask (pip install -e '.[dask]').
"""
import contextlib
import importlib.util
import pathlib
import warnings

import numpy as np
import pytest

import s2sad
from s2sad.errors import NonDifferentiableError

from gradcheck import finite_difference

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

ROOT = pathlib.Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(19)
ROWS, COLS, CHUNK = 60, 4, 15
X_NP = RNG.normal(size=(ROWS, COLS))
Y_NP = (RNG.random(ROWS) < 0.5).astype(float)
X = da.from_array(X_NP, chunks=(CHUNK, COLS))
Y = da.from_array(Y_NP, chunks=CHUNK)


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("the derivative computed a Dask array while building its graph")


@contextlib.contextmanager
def lazy_and_quiet():
    """No warning, and no compute: building the derivative must stay lazy."""
    with warnings.catch_warnings(), dask.config.set(scheduler=refuse_to_compute):
        warnings.simplefilter("error")
        yield


def computed(values):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return dask.compute(*values, scheduler="sync")


def check_on_dask(f, params, wrt=None, mode="reverse"):
    """The derivative of f(*params, X, Y) on Dask data: lazy, quiet, equal to the NumPy
    one to 1e-10 and to central differences; returns the Dask results."""
    wrt = tuple(range(len(params))) if wrt is None else wrt
    if mode == "reverse":
        df = s2sad.grad(f, wrt=wrt)
        call = lambda *data: df(*params, *data)  # noqa: E731
    else:
        df = s2sad.autodiff(f, mode="forward", wrt=wrt)
        directions = [RNG.normal(size=np.shape(params[i])) for i in wrt]
        call = lambda *data: df(*params, *data, *directions)  # noqa: E731
    with lazy_and_quiet():
        lazy = call(X, Y)
    lazy = lazy if isinstance(lazy, tuple) else (lazy,)
    assert all(isinstance(value, da.Array) for value in lazy), [type(v) for v in lazy]
    eager = call(X_NP, Y_NP)
    eager = eager if isinstance(eager, tuple) else (eager,)
    got = computed(lazy)
    for value, want in zip(got, eager):
        np.testing.assert_allclose(value, want, rtol=1e-10, atol=1e-12)
    loss = lambda *p: f(*p, X_NP, Y_NP)  # noqa: E731
    for value, index in zip(got, wrt):
        expected = finite_difference(loss, params, index)
        if mode == "forward":
            expected = np.sum(expected * directions[wrt.index(index)])
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
    return lazy


def logistic_loss(beta, X, y):
    """dask-glm's Logistic.pointwise_loss, written with plain np calls."""
    Xbeta = X @ beta
    return np.sum(Xbeta + np.log1p(np.exp(-Xbeta))) - np.dot(y, Xbeta)


def mlp_loss(W1, b1, W2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    return np.mean((hidden @ W2 - y) ** 2)


def refined_loss(w, X, y):
    """A few steps of gradient descent on least squares, then the loss: a loop over
    the whole data set."""
    for _ in range(3):
        residual = X @ w - y
        w = w - 0.05 * (X.T @ residual) / 60
    return np.sum((X @ w - y) ** 2)


def reductions_loss(w, X, y):
    scaled = X * w
    rows = np.sum(scaled, axis=1, keepdims=True)
    columns = np.mean(X, axis=0)
    return (np.sum(rows ** 2) + np.dot(columns, w) + np.sum(np.max(scaled, axis=1))
            + np.var(X @ w) + np.linalg.norm(X @ w) + np.sum(np.std(scaled, axis=0)))


def broadcasting_loss(w, X, y):
    shifted = (X + w) / (1.0 + y[:, None] ** 2)
    return np.sum(np.sqrt(shifted ** 2 + 1.0)) + np.sum(np.dot(X, w) * y)


def slicing_loss(w, X, y):
    tail = X[:, 1:] * w[1:]
    return np.sum(tail[::2] ** 2) + np.sum(X[0] * w) + np.sum(np.where(X[:, 0] > 0, X @ w, 0.0))


def joining_loss(w, X, y):
    stacked = np.stack([X @ w, y], axis=1)
    joined = np.concatenate([X @ w, y * w[0]])
    return np.sum(stacked ** 3) + np.sum(joined ** 2) + np.sum(np.transpose(X) * w[:, None])


W = RNG.normal(size=COLS) * 0.3
MLP = (RNG.normal(size=(COLS, 5)) * 0.5, RNG.normal(size=5) * 0.1, RNG.normal(size=5) * 0.5)


def test_logistic_regression_gradient_is_lazy_and_equals_numpy():
    (gradient,) = check_on_dask(logistic_loss, (W,))
    assert gradient.shape == (COLS,)


def test_mlp_gradient_is_lazy_and_equals_numpy():
    check_on_dask(mlp_loss, MLP)


def test_a_short_loop_over_the_data():
    check_on_dask(refined_loss, (W,))


def passes_loss(w, X, y):
    """w's adjoint collects one term per pass: in NumPy, added in place."""
    s = 0.0
    for i in range(3):
        h = np.tanh(X @ w) * (i + 1.0)
        s = s + np.sum((h - y) ** 2)
    return s


def passes_keyword_loss(w, X, y, *, passes=3):
    s = 0.0
    for i in range(passes):
        s = s + np.sum(np.tanh(X @ (w * (i + 1.0))) * y)
    return s


def layer(w, X):
    return np.tanh(X @ w)


def passes_through_a_helper_loss(w, X, y):
    s = 0.0
    for i in range(3):
        s = s + np.sum(layer(w * (i + 1.0), X) * y)
    return s


@pytest.mark.parametrize("f", [passes_loss, passes_keyword_loss, passes_through_a_helper_loss])
def test_a_parameters_gradient_collected_in_a_loop(f):
    """A NumPy parameter's adjoint summed over a loop, from Dask terms: the NumPy
    version adds them into a NumPy array in place, which Dask cannot join; a
    call with a Dask array runs a version that does not."""
    check_on_dask(f, (W,))


@pytest.mark.parametrize("f", [reductions_loss, broadcasting_loss, slicing_loss, joining_loss])
def test_products_reductions_broadcasting_and_indexing(f):
    check_on_dask(f, (W,))


@pytest.mark.parametrize("f, params", [(logistic_loss, (W,)), (mlp_loss, MLP),
                                       (reductions_loss, (W,)), (joining_loss, (W,))])
def test_forward_mode_is_lazy_and_equals_numpy(f, params):
    check_on_dask(f, params, wrt=(0,), mode="forward")


def test_the_seed_is_not_materialized_and_the_graph_is_that_of_a_hand_written_gradient():
    """The broadcast seed of np.sum is a view per chunk, not one array of the data's
    length: the gradient's graph has no more tasks than twice dask-glm's formula."""
    gradient = s2sad.grad(logistic_loss)(W, X, Y)
    by_hand = X.T @ (1.0 / (1.0 + np.exp(-(X @ W))) - Y)
    ours, theirs = dict(gradient.__dask_graph__()), dict(by_hand.__dask_graph__())
    assert len(ours) <= 2 * len(theirs), (len(ours), len(theirs))
    biggest = max(np.size(v) for v in ours.values() if isinstance(v, np.ndarray))
    assert biggest <= CHUNK * COLS  # no constant of the data's length in the graph
    np.testing.assert_allclose(computed([gradient])[0], computed([by_hand])[0], rtol=1e-10)


def rows_read_twice_loss(w, X, y):
    rows = (X * w)[[0, 2, 2, -1, 59]]
    some = (X * w)[[1, 1, 4], 1:]
    return np.sum(np.sin(rows)) + np.sum(some ** 2)


def entries_read_twice_loss(w, X, y):
    columns = (X * w)[:, [1, 3, 3]]
    return np.sum(columns ** 2)


def test_rows_read_twice_add_up():
    """Dask has no np.add.at: repeated rows of one integer index are summed first."""
    check_on_dask(rows_read_twice_loss, (W,))


def repeated_loss(w, X, y):
    twice = np.repeat(X * w, 2, axis=0)
    return np.sum(twice ** 2)


def test_a_rule_written_for_numpy_only_is_refused_at_the_users_line():
    df = s2sad.grad(repeated_loss)
    with pytest.raises(NonDifferentiableError) as error:
        df(W, X, Y)
    assert error.value.location.filename == __file__
    assert error.value.location.lineno == repeated_loss.__code__.co_firstlineno + 1
    assert "np.repeat works on NumPy arrays only, not on a dask.array.core.Array" in \
        str(error.value)


def test_entries_read_twice_are_refused_at_the_users_line():
    df = s2sad.grad(entries_read_twice_loss)
    with pytest.raises(NonDifferentiableError) as error:
        df(W, X, Y)
    assert error.value.location.filename == __file__
    assert error.value.location.lineno == entries_read_twice_loss.__code__.co_firstlineno + 1
    assert "np.add.at" in str(error.value) and "Array" in str(error.value)


def test_the_example_fits_a_small_data_set_on_a_local_cluster():
    pytest.importorskip("distributed")
    path = ROOT / "examples" / "dask_logistic_regression.py"
    spec = importlib.util.spec_from_file_location("s2sad_example_dask", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = example.main(rows=20_000, chunk_rows=5_000, steps=4, quiet=True, processes=False)
    losses = out["losses"]
    assert losses[0] == pytest.approx(np.log(2.0))  # beta = 0: p = 1/2 everywhere
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert 0 < max(out["peak_memory"]) < 2 ** 31
