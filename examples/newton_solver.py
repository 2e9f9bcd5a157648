"""Differentiating through a while-loop Newton solver.

Kepler's equation  E - e sin E = M  gives the eccentric anomaly E of an orbit
with eccentricity e at mean anomaly M. It has no closed-form solution, so
`kepler` solves it with Newton's method in a `while` loop that runs until the
step is tiny. s2sad differentiates the loop as written: the derivative is that
of the iterations, which converges along with them.

The implicit function theorem gives the exact answer to compare with: for
F(E, M, e) = E - e sin E - M = 0,

    dE/dM = -F_M / F_E = 1 / (1 - e cos E)
    dE/de = -F_e / F_E = sin E / (1 - e cos E)

A second version differentiates only the last Newton step: the solve runs under
`s2sad.stop_gradient`, and one more step from the converged E carries the
derivative. That gives the same implicit-function-theorem derivative at the
cost of one iteration, and does not store the loop on a tape.

    python examples/newton_solver.py
"""
import math
import sys

import s2sad


def kepler(M: float, e: float):
    """The eccentric anomaly E solving E - e*sin(E) = M, by Newton's method."""
    E = M
    step = 1.0
    while abs(step) > 1e-13:
        step = (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
        E = E - step
    return E


def kepler_one_step(M: float, e: float):
    """The same E; only the final Newton step is differentiated."""
    E = s2sad.stop_gradient(kepler(M, e))
    return E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))


def implicit_derivatives(M, e):
    E = kepler(M, e)
    return 1.0 / (1.0 - e * math.cos(E)), math.sin(E) / (1.0 - e * math.cos(E))


def newton_steps(M, e):
    E, step, n = M, 1.0, 0
    while abs(step) > 1e-13:
        step = (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
        E, n = E - step, n + 1
    return n


def main(quick=False):
    dkepler = s2sad.grad(kepler, wrt=("M", "e"), verbose=1)
    forward = s2sad.autodiff(kepler, wrt=("M", "e"), mode="forward")
    dshortcut = s2sad.grad(kepler_one_step, wrt=("M", "e"))

    rows = []
    for M, e in ((0.3, 0.1), (1.0, 0.6), (2.5, 0.9), (4.0, 0.3)):
        dM, de = dkepler(M, e)
        dM_forward = forward(M, e, 1.0, 0.0)      # tangents (dM, de) = (1, 0)
        dM_step, de_step = dshortcut(M, e)
        dM_ift, de_ift = implicit_derivatives(M, e)
        rows.append((M, e, dM, de, dM_forward, dM_step, de_step, dM_ift, de_ift))

    print("\n  M    e       E  Newton steps")
    for M, e, *_ in rows:
        print(f"{M:3.1f}  {e:3.1f}  {kepler(M, e):6.4f}  {newton_steps(M, e):12d}")
    print("\ndE/dM, by reverse mode, forward mode, the last step only, and the theorem:")
    print(f"{'M':>3}  {'e':>3}  " + " ".join(f"{h:>15}" for h in
                                            ("reverse", "forward", "last step", "theorem")))
    for M, e, dM, de, dM_forward, dM_step, de_step, dM_ift, de_ift in rows:
        print(f"{M:3.1f}  {e:3.1f}  {dM:15.12f} {dM_forward:15.12f} {dM_step:15.12f} "
              f"{dM_ift:15.12f}")
    print("\ndE/de:")
    print(f"{'M':>3}  {'e':>3}  " + " ".join(f"{h:>15}" for h in
                                            ("reverse", "last step", "theorem")))
    for M, e, dM, de, dM_forward, dM_step, de_step, dM_ift, de_ift in rows:
        print(f"{M:3.1f}  {e:3.1f}  {de:15.12f} {de_step:15.12f} {de_ift:15.12f}")
    worst = max(max(abs(dM - dM_ift), abs(dM_forward - dM_ift), abs(dM_step - dM_ift),
                    abs(de - de_ift), abs(de_step - de_ift))
                for M, e, dM, de, dM_forward, dM_step, de_step, dM_ift, de_ift in rows)
    print(f"\nlargest difference from the implicit-function-theorem derivative: {worst:.1e}")
    return {"rows": rows, "worst": worst}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
