def dnewton(a, b, bresult=1.0):
    tape = []
    x = 1.0
    r = x * x * x + a * x - b
    t14 = abs(r)
    cond = t14 > 1e-12
    n = 0
    while cond:
        tape.append(r)
        tape.append(x)
        t5 = 3.0 * x
        t6 = t5 * x
        t7 = t6 + a
        t8 = r / t7
        x = x - t8
        t10 = x * x
        r = t10 * x + a * x - b
        t14 = abs(r)
        cond = t14 > 1e-12
        n = n + 1
    # Grad of: return x * x
    bx = 2 * (bresult * x)
    # Grad of: while abs(r) > 1e-12:
    ba = 0.0
    bb = 0.0
    br = 0.0
    x_next = x
    for t15 in range(n):
        x = tape.pop()
        r = tape.pop()
        x_end = x_next
        x_next = x
        t5 = 3.0 * x
        t6 = t5 * x
        t7 = t6 + a
        t8 = r / t7
        t10 = x_end * x_end
        # Grad of: r = x * x * x + a * x - b
        bb = bb - br
        ba = ba + br * x_end
        bx = bx + br * a + br * t10 + 2 * (br * x_end * x_end)
        # Grad of: x = x - r / (3.0 * x * x + a)
        bt8 = -bx
        br = bt8 / t7
        bt7 = -(bt8 * t8 / t7)
        ba = ba + bt7
        bx = bx + bt7 * t5 + bt7 * x * 3.0
    # Grad of: r = x * x * x + a * x - b
    bb = bb - br
    ba = ba + br * x
    return ba, bb
