def dpiecewise(x, y, n, bs=1.0):
    # Grad of: for i in range(n):
    bx = 0.0
    by = 0.0
    for i in reversed(range(n)):
        t2 = i % 7
        t = x * t2 - y * 0.01 * i
        if t > 1.0:
            # Grad of: s = s + math.log(t)
            bt = bs / t
        elif t > -1.0:
            # Grad of: s = s + 0.5 * t * t
            bt = bs * (0.5 * t + 0.5 * t)
        else:
            # Grad of: s = s - t - 0.5
            bt = -bs
        # Grad of: t = x * (i % 7) - y * 0.01 * i
        by = by - 0.01 * bt * i
        bx = bx + bt * t2
    return bx, by
