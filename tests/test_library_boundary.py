"""The library boundary: functions of installed libraries are primitives.

s2sad differentiates through the source of the user's own functions, in any
module of the user's project, but never through the source of an installed
library (site-packages, the standard library): there a call needs a registered
derivative, and the error says which function, at the user's line.
"""
import importlib
import inspect
import statistics
import sys
import textwrap

import numpy as np
import pytest

import s2sad
from s2sad import d
from gradcheck import assert_gradients
from s2sad import libraries

MODULE_SOURCE = textwrap.dedent("""\
    import numpy as np


    def log_density(x):
        return -0.5 * x * x - 0.5 * np.log(2.0 * np.pi)
""")


def _import_from(directory, name, monkeypatch):
    package = directory / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(MODULE_SOURCE)
    monkeypatch.syspath_prepend(str(directory))
    importlib.invalidate_caches()
    sys.modules.pop(name, None)  # each test imports a fresh one
    return importlib.import_module(name)


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A package as pip would install it: in a site-packages directory."""
    return _import_from(tmp_path / "lib" / "site-packages", "fake_installed_density",
                        monkeypatch)


@pytest.fixture
def project_module(tmp_path, monkeypatch):
    """The same code as a module of the user's own project."""
    return _import_from(tmp_path / "project", "fake_project_density", monkeypatch)


def _line_of(function, text):
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_a_function_of_an_installed_package_is_a_primitive(installed):
    def total_log_density(x):
        return np.sum(installed.log_density(x))

    assert libraries.is_installed(installed.log_density)
    for mode in ("reverse", "forward"):
        with pytest.raises(s2sad.NonDifferentiableError) as caught:
            s2sad.autodiff(total_log_density, mode=mode)
        error = caught.value
        assert f"no {mode}-mode derivative is registered for " \
               "fake_installed_density.log_density" in error.message
        assert error.location.filename == __file__
        assert error.location.lineno == _line_of(total_log_density, "installed.log_density")
        assert "does not read the source of installed libraries" in error.hint
        assert "@s2sad.adjoint" in error.hint or "@s2sad.tangent" in error.hint
        assert "s2sad.stop_gradient" in error.hint


def test_the_two_ways_out_work(installed):
    @s2sad.adjoint(installed.log_density)
    def log_density_adjoint(y, x):
        d[x] = -d[y] * x

    def total_log_density(x):
        return np.sum(installed.log_density(x))

    x = np.array([0.3, -1.2, 2.0])
    assert_gradients(total_log_density, s2sad.grad(total_log_density), (x,), (0,))

    def held_fixed(x):
        return np.sum(x * s2sad.stop_gradient(installed.log_density(x)))

    np.testing.assert_allclose(s2sad.grad(held_fixed)(x), installed.log_density(x))


def apply_to_array(function, x):
    return np.sum(function(x))


def test_a_library_function_passed_as_a_value_is_a_primitive_too(installed):
    x = np.array([0.3, -1.2])
    with pytest.raises(s2sad.NonDifferentiableError,
                       match="registered for fake_installed_density.log_density, which a "
                             "function value"):
        s2sad.grad(apply_to_array, wrt=1)(installed.log_density, x)


def test_a_module_of_the_users_project_is_differentiated_through(project_module):
    def total_log_density(x):
        return np.sum(project_module.log_density(x))

    assert not libraries.is_installed(project_module.log_density)
    x = np.array([0.3, -1.2, 2.0])
    assert_gradients(total_log_density, s2sad.grad(total_log_density), (x,), (0,))
    np.testing.assert_allclose(s2sad.grad(apply_to_array, wrt=1)(project_module.log_density, x),
                               -x)
    jvp = s2sad.autodiff(total_log_density, mode="forward")
    np.testing.assert_allclose(jvp(x, np.ones(3)), -np.sum(x))


def mean_of_squares(x):
    return statistics.fmean([x * x, x])


def test_a_standard_library_function_is_a_primitive():
    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(mean_of_squares)
    assert "registered for statistics.fmean" in caught.value.message
    assert caught.value.location.lineno == _line_of(mean_of_squares, "statistics.fmean")


def test_installation_roots_include_site_packages_and_the_standard_library():
    roots = libraries.installation_roots()
    assert any(inspect.getsourcefile(statistics).startswith(root) for root in roots)
    assert libraries.is_installed(statistics.fmean)
    assert not libraries.is_installed(mean_of_squares)


def test_public_names_hide_private_modules_and_classes():
    scipy_special = pytest.importorskip("scipy.special")
    stats = pytest.importorskip("scipy.stats")
    assert libraries.public_name(scipy_special.logsumexp) == "scipy.special.logsumexp"
    assert libraries.public_name(stats.norm.entropy) == "scipy.stats.norm.entropy"
    assert libraries.public_name(np.atleast_1d) == "numpy.atleast_1d"


def test_the_error_names_a_scipy_method_by_its_public_name():
    stats = pytest.importorskip("scipy.stats")

    def entropy(s):
        return stats.norm.entropy(0.0, s)

    with pytest.raises(s2sad.NonDifferentiableError,
                       match=r"registered for scipy\.stats\.norm\.entropy \(in function"):
        s2sad.grad(entropy)
