"""The scripts in examples/ run, print what they promise, and get the right answers.

Each example has `main(quick=False)`, which prints its story and returns the
numbers it found; the tests call it with `quick=True` (smaller problems, fewer
steps) and check those numbers against independent references: finite
differences, closed forms, bisection, the true model of synthetic data.
quickstart.py and one full script run as subprocesses, the way a user runs them.
"""
import importlib.util
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import s2sad

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load(name: str):
    """Import examples/<name>.py as a module of its own (not as __main__)."""
    spec = importlib.util.spec_from_file_location(f"s2sad_example_{name}",
                                                  EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_every_example_is_tested():
    names = {path.stem for path in EXAMPLES.glob("*.py")}
    tested = {"quickstart", "logistic_regression", "rnn_gradient_clipping", "newton_solver",
              "projectile_fit", "hessian_vector_product", "newton_optimizer",
              "custom_derivative", "dict_params_mlp", "lstm_nested_helpers",
              "layers_mlp", "gaussian_process", "variational_inference",
              "lotka_volterra_fit",
              "dask_logistic_regression"}  # in tests/test_dask.py
    assert names == tested


def test_quickstart_prints_the_gradient_and_its_values():
    result = run_script(str(EXAMPLES / "quickstart.py"))
    assert result.returncode == 0, result.stderr
    assert "def df(x, y, bresult=1.0):" in result.stdout
    assert "df/dx(3, 4) = 24.0" in result.stdout
    assert "df/dy(3, 4) = 10.0" in result.stdout


def test_logistic_regression_loss_goes_down_and_recovers_the_model(capsys):
    out = load("logistic_regression").main(quick=True)
    printed = capsys.readouterr().out
    assert "def dloss(w, b, X, y, bresult=1.0):" in printed
    losses = out["losses"]
    assert losses[0] == pytest.approx(math.log(2.0))      # w = 0: p = 1/2 everywhere
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.35
    np.testing.assert_allclose(out["w"], out["w_true"], atol=0.35)
    assert out["accuracy"] > 0.85
    assert out["accuracy"] >= out["true_accuracy"] - 0.02


def test_rnn_clipping_runs_in_the_backward_pass_and_tames_the_gradient(capsys):
    out = load("rnn_gradient_clipping").main(quick=True)
    printed = capsys.readouterr().out
    assert "g = clip_by_norm(g, max_norm, norms)" in printed
    assert "# Grad of: with s2sad.insert_grad_of(h) as g:" in printed
    explosion = out["explosion"]
    unclipped = [explosion[n][0] for n in (10, 40, 80)]
    clipped = [explosion[n][1] for n in (10, 40, 80)]
    assert unclipped[2] > 100 * unclipped[0]                # it explodes with length
    assert max(clipped) < 5.0                                # clipping bounds it
    assert all(c < u for c, u in zip(clipped, unclipped))
    losses, norms = out["runs"][0.1]
    _, unclipped_norms = out["runs"][math.inf]
    chunk = out["chunk"]
    assert np.mean(losses[-chunk:]) < 0.5 * np.mean(losses[:chunk])
    assert max(norms) < max(unclipped_norms)


def test_rnn_hook_is_inert_without_a_threshold_and_clips_with_one():
    example = load("rnn_gradient_clipping")
    import s2sad
    rng = np.random.default_rng(3)
    params = example.initial_parameters(rng)
    xs, ys = example.sequence(rng, 12)
    dWh = s2sad.grad(example.rnn_loss, wrt="Wh")
    norms = []
    clipped = dWh(*params, xs, ys, 1e-3, norms)
    assert len(norms) == 12                       # the hook ran once per time step
    assert np.linalg.norm(clipped) < np.linalg.norm(dWh(*params, xs, ys, math.inf, []))
    # Plain calls never run the hook's body in a backward pass: the loss is the loss.
    assert example.rnn_loss(*params, xs, ys, 1e-3, []) == \
        example.rnn_loss(*params, xs, ys, math.inf, [])


def test_newton_solver_derivative_matches_the_implicit_function_theorem(capsys):
    example = load("newton_solver")
    out = example.main(quick=True)
    printed = capsys.readouterr().out
    assert "while abs(step) > 1e-13:" in printed  # the generated code keeps the loop
    assert out["worst"] < 1e-12
    M, e = 1.0, 0.6
    E = example.kepler(M, e)
    assert E - e * math.sin(E) == pytest.approx(M, abs=1e-14)


def test_projectile_fit_hits_the_target(tmp_path, capsys):
    example = load("projectile_fit")
    out = example.main(quick=True, plot_path=str(tmp_path / "fit.png"))
    printed = capsys.readouterr().out
    assert "gradient checked against finite differences: OK" in printed
    assert out["speed"] == pytest.approx(out["reference"], abs=0.05)
    assert out["distance"] == pytest.approx(example.TARGET, abs=0.2)
    misses = [abs(example.landing_distance(s, example.ANGLE, example.DRAG, example.DT)
                  - example.TARGET) for _, s in out["history"]]
    assert all(later < earlier for earlier, later in zip(misses, misses[1:]))
    if importlib.util.find_spec("matplotlib") is not None:
        assert out["plot"] == str(tmp_path / "fit.png")
        assert (tmp_path / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_projectile_fit_skips_the_plot_without_matplotlib(tmp_path):
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path / "fake")}
    plot = tmp_path / "plot.png"
    result = run_script(str(EXAMPLES / "projectile_fit.py"), "--quick", "--plot", str(plot),
                        env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "matplotlib is not installed: skipping the plot" in result.stdout
    assert "fitted speed" in result.stdout
    assert not plot.exists()


def test_hessian_vector_products_match_finite_differences(capsys):
    out = load("hessian_vector_product").main(quick=True)
    capsys.readouterr()
    for name, error in out["errors"].items():
        assert error < 1e-7, name
    assert out["estimate"] == pytest.approx(out["largest"], rel=1e-8)
    assert out["asymmetry"] < 1e-12


def test_newton_optimizer_reaches_the_minimum(capsys):
    out = load("newton_optimizer").main(quick=True)
    printed = capsys.readouterr().out
    assert out["hessian_error"] < 1e-9
    np.testing.assert_allclose(out["x"], [1.0, 1.0], atol=1e-8)
    assert len(out["history"]) - 1 < 40
    assert out["gd_steps"] == out["budget"]        # gradient descent is far slower
    (global_x, global_f, global_eigs), (local_x, local_f, local_eigs) = out["found4"]
    np.testing.assert_allclose(global_x, np.ones(4), atol=1e-8)
    assert local_f == pytest.approx(3.70, abs=0.01)  # the known second local minimum
    assert np.all(global_eigs > 0) and np.all(local_eigs > 0)
    assert "(all positive: a minimum)" in printed


def test_custom_derivative_templates_are_used_and_correct(capsys):
    out = load("custom_derivative").main(quick=True)
    printed = capsys.readouterr().out
    assert "no reverse-mode derivative is registered" in printed
    assert "docs/custom_derivatives.md" in printed
    np.testing.assert_allclose(out["gradient"], out["softmax_minus_label"], atol=1e-12)
    assert out["logsumexp_forward_error"] < 1e-6
    assert np.isnan(out["default"][-1])           # the np.where trap
    np.testing.assert_allclose(out["overridden"], out["sigmoid"], rtol=1e-12)
    assert out["overridden_forward"] == pytest.approx(np.sum(out["sigmoid"]))
    assert out["softplus_forward_error"] < 1e-6
    assert "* sigmoid(x)" in printed                # the template, inlined


def test_dict_params_mlp_trains_with_dict_gradients():
    from gradcheck import finite_difference
    example = load("dict_params_mlp")
    result = example.main(quick=True)
    assert result["losses"][-1] < 0.5 * result["losses"][0]
    assert set(result["grads"]) == {"W1", "b1", "W2", "b2"}
    rng = np.random.default_rng(1)
    params, x = example.init(rng), rng.normal(size=(5, 1))
    y = np.sin(x)
    gradient = example.s2sad.grad(example.loss)(params, x, y)

    def loss_b2(b2):
        return example.loss({**params, "b2": b2}, x, y)

    np.testing.assert_allclose(gradient["b2"], finite_difference(loss_b2, (params["b2"],), 0),
                               rtol=1e-6)


def test_lstm_with_nested_helpers_matches_finite_differences_and_learns():
    module = load("lstm_nested_helpers")
    rng = np.random.default_rng(5)
    params = module.init_params(rng, hidden=3)
    inputs, targets = module.sine_batches(rng, 4, 2)
    grads = s2sad.grad(module.lstm_loss)(params, inputs, targets)
    assert sorted(grads) == sorted(params)
    eps = 1e-6
    for key in sorted(params):   # two entries of every parameter against central differences
        for index in [(0, 0), tuple(np.array(params[key].shape) - 1)]:
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            expected = (module.lstm_loss(plus, inputs, targets) -
                        module.lstm_loss(minus, inputs, targets)) / (2 * eps)
            assert grads[key][index] == pytest.approx(expected, rel=1e-5, abs=1e-8), key
    out = module.main(quick=True)
    losses = out["losses"]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.2 * losses[0]


def test_layers_mlp_over_weight_bias_pairs_trains_and_matches_differences(capsys):
    from test_containers import check_container_gradient
    example = load("layers_mlp")
    result = example.main(quick=True)
    assert "def dobjective(" in capsys.readouterr().out
    assert result["losses"][-1] < 0.05 * result["losses"][0]
    assert [(np.shape(w), np.shape(b)) for w, b in result["first_gradient"]] == \
        [((1, 12), (12,)), ((12, 8), (8,)), ((8, 1), (1,))]
    rs = np.random.RandomState(3)
    params = example.init_random_params(0.5, [2, 5, 3, 1], rs)
    inputs, targets = rs.randn(4, 2), rs.randn(4, 1)
    check_container_gradient(example.objective, (params, inputs, targets, 0.01))
    check_container_gradient(example.objective, (params, inputs, targets, 0.01), index=1)


def test_gaussian_process_fit_finds_a_stationary_point_near_the_truth(capsys):
    pytest.importorskip("scipy")
    example = load("gaussian_process")
    out = example.main(quick=True)
    assert "cho_solve_factor(" in capsys.readouterr().out
    values = [value for value, _ in out["history"]]
    assert all(later <= earlier for earlier, later in zip(values, values[1:]))
    assert np.linalg.norm(out["final_gradient"]) < 1e-3
    # the gradient at the optimum, by central differences: zero too
    params, eps = out["params"], 1e-5
    fd = [(example.nll(params + eps * e, out["x"], out["y"])
           - example.nll(params - eps * e, out["x"], out["y"])) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(fd, 0.0, atol=1e-3)
    np.testing.assert_allclose(np.exp(out["params"]), np.exp(out["truth"]), rtol=0.5)


def test_lotka_volterra_fit_recovers_the_rates(capsys):
    pytest.importorskip("scipy")
    out = load("lotka_volterra_fit").main(quick=True)
    printed = capsys.readouterr().out
    assert "odeint_adjoints(" in printed and "checked against finite differences: OK" in printed
    assert out["loss"] < 0.05 * out["start_loss"]
    np.testing.assert_allclose(out["rates"], out["true_rates"], rtol=0.05)


def test_variational_inference_finds_the_exact_posterior(capsys):
    pytest.importorskip("scipy")
    out = load("variational_inference").main(quick=True)
    assert "dnorm_logpdf(z, mean, scale, bresult=blog_q)" in capsys.readouterr().out
    assert out["mean"] == pytest.approx(out["exact_mean"], abs=0.05)
    assert out["scale"] == pytest.approx(out["exact_scale"], rel=0.1)
