"""Fitting a simulation's parameter by gradient descent: hit a target with a ball.

A ball is thrown at a fixed angle into air with quadratic drag. The simulation
takes explicit Euler steps in a `while True` loop that `break`s when the ball
has fallen below the ground, then interpolates the landing point between the
last two steps. There is no closed form for the landing distance with drag, but
s2sad differentiates the simulation as it is written, through the loop, the
break and the helper function `euler_step`.

Gradient descent on the launch speed then brings the landing point onto the
target. Bisection on the simulation itself (no derivatives) gives the speed to
compare with.

With matplotlib installed (pip install 's2sad[examples]') the script writes a
plot of the trajectories to projectile_fit.png, or to the path given with
--plot PATH; without it, it says so and skips the plot.

    python examples/projectile_fit.py [--quick] [--plot PATH]
"""
import math
import sys

import s2sad

GRAVITY = 9.81
ANGLE = math.radians(35.0)  # launch angle
DRAG = 0.005                # drag coefficient per unit mass, 1/m
DT = 0.01                   # time step, s
TARGET = 80.0               # distance to the target, m


def euler_step(x: float, y: float, vx: float, vy: float, drag: float, dt: float):
    """One explicit Euler step of a point mass under gravity and quadratic drag."""
    speed = math.sqrt(vx * vx + vy * vy)
    ax = -drag * speed * vx
    ay = -GRAVITY - drag * speed * vy
    return x + dt * vx, y + dt * vy, vx + dt * ax, vy + dt * ay


def landing_distance(speed: float, angle: float, drag: float, dt: float):
    """Where the ball comes down: interpolated between the last two steps."""
    x = 0.0
    y = 0.0
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    while True:
        x_before = x
        y_before = y
        x, y, vx, vy = euler_step(x, y, vx, vy, drag, dt)
        if y < 0.0:
            break
    return x_before + (x - x_before) * y_before / (y_before - y)


def miss_squared(speed: float, angle: float, drag: float, dt: float, target: float):
    miss = landing_distance(speed, angle, drag, dt) - target
    return miss * miss


def trajectory(speed, angle, drag, dt):
    """The points of the flight, for the plot (plain Python, not differentiated)."""
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    xs, ys = [x], [y]
    while y >= 0.0:
        x, y, vx, vy = euler_step(x, y, vx, vy, drag, dt)
        xs.append(x)
        ys.append(y)
    return xs, ys


def bisection_speed(low=1.0, high=200.0):
    """The launch speed that lands on the target, by bisection on the simulation."""
    for _ in range(60):
        middle = 0.5 * (low + high)
        if landing_distance(middle, ANGLE, DRAG, DT) < TARGET:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def plot(path, speeds):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plot "
              "(pip install 's2sad[examples]' to get it)")
        return None
    figure, axes = plt.subplots(figsize=(7, 3.5))
    for step, speed in speeds:
        xs, ys = trajectory(speed, ANGLE, DRAG, DT)
        axes.plot(xs, ys, label=f"step {step}: {speed:.2f} m/s")
    axes.plot([TARGET], [0.0], "rx", markersize=10, clip_on=False, label="target")
    axes.set_xlabel("distance (m)")
    axes.set_ylabel("height (m)")
    axes.set_ylim(bottom=0.0)
    axes.legend(fontsize="small")
    axes.set_title("Launch speed fitted by gradient descent through the simulation")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote the plot to {path}")
    return path


def main(quick=False, plot_path="projectile_fit.png"):
    dmiss = s2sad.grad(miss_squared, verbose=1)
    s2sad.check_grads(miss_squared, 20.0, ANGLE, DRAG, DT, TARGET)
    print("gradient checked against finite differences: OK\n")

    speed = 20.0
    steps = 25 if quick else 40
    history = [(0, speed)]
    print("step   speed (m/s)   lands at (m)   miss (m)")
    for step in range(1, steps + 1):
        distance = landing_distance(speed, ANGLE, DRAG, DT)
        if step == 1 or step % 5 == 0:
            print(f"{step - 1:4d}   {speed:11.4f}   {distance:12.3f}   {distance - TARGET:8.3f}")
        speed = speed - 0.01 * dmiss(speed, ANGLE, DRAG, DT, TARGET)
        if step in (2, 5):
            history.append((step, speed))
    history.append((steps, speed))

    distance = landing_distance(speed, ANGLE, DRAG, DT)
    reference = bisection_speed()
    print(f"\nfitted speed {speed:.4f} m/s lands at {distance:.3f} m (target {TARGET} m)")
    print(f"bisection on the simulation: {reference:.4f} m/s")
    written = plot(plot_path, history)
    return {"speed": speed, "reference": reference, "distance": distance,
            "history": history, "plot": written}


if __name__ == "__main__":
    arguments = sys.argv[1:]
    path = arguments[arguments.index("--plot") + 1] if "--plot" in arguments \
        else "projectile_fit.png"
    main(quick="--quick" in arguments, plot_path=path)
