def dnewton_sqrt(a, bx=1.0):
    tape = []
    x = a
    dx = 1.0
    while abs(dx) > 1e-12:
        tape.append(x)
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
    # Grad of: while abs(dx) > 1e-12:
    ba = 0.0
    while tape:
        x = tape.pop()
        t3 = 2.0 * x
        dx = (x * x - a) / t3
        # Grad of: x = x - dx
        bdx = -bx
        # Grad of: dx = (x * x - a) / (2.0 * x)
        bt2 = bdx / t3
        bx = bx - 2.0 * bt2 * dx + 2 * bt2 * x
        ba = ba - bt2
    # Grad of: x = a
    ba = ba + bx
    return ba
