"""SciPy's rules register once the program imports SciPy, not with s2sad.

Each check runs in a new interpreter: this test session has imported SciPy long ago.
"""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("scipy")


def run(folder, *parts: str) -> str:
    """Run the code `parts` as a script in `folder` in a new interpreter; its stdout
    (fails the test on an error)."""
    script = folder / "program.py"
    script.write_text("".join(textwrap.dedent(part) for part in parts))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_s2sad_does_not_import_scipy(tmp_path):
    assert run(tmp_path, """
        import sys
        import s2sad
        print(sorted(name for name in sys.modules if name.split('.')[0] == 'scipy'))
    """).split() == ["[]"]


CENTRAL_DIFFERENCE = """
    def check(df, f, x):
        got, h = df(x), 1e-6
        want = (f(x + h) - f(x - h)) / (2 * h)
        assert abs(got - want) <= 1e-7 * max(1.0, abs(want)), (got, want)
        print("ok", got)
"""


def test_scipy_imported_after_s2sad_has_its_rules(tmp_path):
    out = run(tmp_path, """
        import s2sad
        import scipy.special
        from scipy import stats
    """, CENTRAL_DIFFERENCE, """
        def f(x):
            return scipy.special.expit(x) * stats.norm.logpdf(x, 0.5, 2.0)

        check(s2sad.grad(f), f, 0.3)
        jvp = s2sad.autodiff(f, mode="forward")
        check(lambda x: jvp(x, 1.0), f, 0.3)
    """)
    assert out.count("ok") == 2


def test_scipy_reached_through_its_top_package(tmp_path):
    # `import scipy` alone: scipy.special imports when f's body is resolved
    out = run(tmp_path, """
        import s2sad
        import scipy
    """, CENTRAL_DIFFERENCE, """
        def f(x):
            return scipy.special.erf(x) ** 2

        check(s2sad.grad(f), f, 0.4)
    """)
    assert out.count("ok") == 1


def test_a_users_rule_for_a_scipy_function_wins_over_s2sads(tmp_path):
    out = run(tmp_path, """
        import numpy as np
        import s2sad
        import scipy.special
        from s2sad import registry
    """, CENTRAL_DIFFERENCE, """
        @s2sad.adjoint(scipy.special.expit)
        def my_expit(y, x):
            d[x] = d[y] * np.exp(-x) / (1.0 + np.exp(-x)) ** 2

        d = s2sad.d
        assert registry.adjoint_of(scipy.special.expit).func is my_expit

        def f(x):
            return scipy.special.expit(3.0 * x)

        check(s2sad.grad(f), f, 0.2)
    """)
    assert out.count("ok") == 1


def test_scipy_imported_before_s2sad_has_its_rules(tmp_path):
    # the families' modules import s2sad's own: they load once s2sad has imported
    out = run(tmp_path, """
        import scipy.integrate
        import scipy.stats
        import s2sad
    """, CENTRAL_DIFFERENCE, """
        def f(x):
            return scipy.stats.norm.logpdf(x, 0.5, 2.0) * scipy.special.expit(x)

        check(s2sad.grad(f), f, 0.3)
    """)
    assert out.count("ok") == 1
