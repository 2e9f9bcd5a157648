def dpiecewise_typed(x, y, n, bs=1.0):
    for i in range(n):
        t2 = i % 7
        t3 = x * t2
        t4 = y * 0.01
        t5 = t4 * i
        t = t3 - t5
        cond2 = t > 1.0
        if cond2:
            pass
        else:
            cond = t > -1.0
            if cond:
                t8 = 0.5 * t
    # Grad of: for i in range(n):
    bx = 0.0
    by = 0.0
    for i in reversed(range(n)):
        t2 = i % 7
        t3 = x * t2
        t4 = y * 0.01
        t5 = t4 * i
        t = t3 - t5
        cond2 = t > 1.0
        if cond2:
            pass
        else:
            cond = t > -1.0
            if cond:
                t8 = 0.5 * t
        if cond2:
            # Grad of: s = s + math.log(t)
            bt7 = bs
            bs = bt7
            bt = bt7 / (t * math.log(2.718281828459045))
        elif cond:
            # Grad of: s = s + 0.5 * t * t
            bt10 = bs
            bs = bt10
            bt = bt10 * t8 + bt10 * t * 0.5
        else:
            # Grad of: s = s - t - 0.5
            bt11 = bs
            bs = bt11
            bt = -bt11
        # Grad of: t = x * (i % 7) - y * 0.01 * i
        by = by - bt * i * 0.01
        bx = bx + bt * t2
    return bx, by
