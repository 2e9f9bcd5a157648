def dnewton_sqrt(a, bx=1.0):
    tape = []
    x = a
    dx = 1.0
    t5 = abs(dx)
    cond = t5 > 1e-12
    while cond:
        tape.append(x)
        t = x * x
        t2 = t - a
        t3 = 2.0 * x
        dx = t2 / t3
        x = x - dx
        t5 = abs(dx)
        cond = t5 > 1e-12
    # Grad of: while abs(dx) > 1e-12:
    ba = 0.0
    while tape:
        x = tape.pop()
        t = x * x
        t2 = t - a
        t3 = 2.0 * x
        dx = t2 / t3
        # Grad of: x = x - dx
        bdx = -bx
        # Grad of: dx = (x * x - a) / (2.0 * x)
        bt2 = bdx / t3
        bx = bx - bdx * dx / t3 * 2.0 + 2 * (bt2 * x)
        ba = ba - bt2
    # Grad of: x = a
    ba = ba + bx
    return ba
