def dnewton_typed(a, b, bresult=1.0):
    tape = []
    x = 1.0
    r = x * x * x + a * x - b
    while abs(r) > 1e-12:
        tape.append(r)
        tape.append(x)
        x = x - r / (3.0 * x * x + a)
        r = x * x * x + a * x - b
    # Grad of: return x * x
    bx = 2 * (bresult * x)
    # Grad of: while abs(r) > 1e-12:
    ba = 0.0
    bb = 0.0
    br = 0.0
    x_next = x
    while tape:
        x = tape.pop()
        r = tape.pop()
        x_end = x_next
        x_next = x
        t7 = 3.0 * x * x + a
        # Grad of: r = x * x * x + a * x - b
        bb = bb - br
        ba = ba + br * x_end
        bx = bx + br * (a + 3 * x_end * x_end)
        # Grad of: x = x - r / (3.0 * x * x + a)
        br = -(bx / t7)
        bt7 = -(br * (r / t7))
        ba = ba + bt7
        bx = bx + 6.0 * bt7 * x
    # Grad of: r = x * x * x + a * x - b
    bb = bb - br
    ba = ba + br * x
    return ba, bb
