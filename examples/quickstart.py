"""Quickstart: the gradient of f(x, y) = x**2*y + y + 2, and the code s2sad wrote."""
import s2sad


def f(x: float, y: float):
    return x ** 2 * y + y + 2


if __name__ == "__main__":
    df = s2sad.grad(f, wrt=(0, 1), verbose=1)
    dx, dy = df(3.0, 4.0)
    print(f"df/dx(3, 4) = {dx}   (2*x*y = 24)")
    print(f"df/dy(3, 4) = {dy}   (x**2 + 1 = 10)")
