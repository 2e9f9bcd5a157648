def dpiecewise(x, y, n, bs=1.0):
    # Grad of: for i in range(n):
    bx = 0.0
    by = 0.0
    for i in reversed(range(n)):
        t2 = i % 7
        t = x * t2 - y * 0.01 * i
        cond2 = t > 1.0
        if cond2:
            cond = None
            t8 = None
        else:
            cond = t > -1.0
            if cond:
                t8 = 0.5 * t
            else:
                t8 = None
        if cond2:
            # Grad of: s = s + math.log(t)
            bt = bs / t
        elif cond:
            # Grad of: s = s + 0.5 * t * t
            bt = bs * t8 + bs * t * 0.5
        else:
            # Grad of: s = s - t - 0.5
            bt = -bs
        # Grad of: t = x * (i % 7) - y * 0.01 * i
        by = by - bt * i * 0.01
        bx = bx + bt * t2
    return bx, by
