def dnewton(a, b, bresult=1.0):
    tape = []
    x = 1.0
    t3 = a * x
    t4 = x * x * x + t3
    r = t4 - b
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
        t9 = x - t8
        x = t9
        t10 = x * x
        t11 = t10 * x
        t12 = a * x
        t13 = t11 + t12
        r = t13 - b
        t14 = abs(r)
        cond = t14 > 1e-12
        n = n + 1
    assert_scalar(x * x, 'newton')
    # Grad of: return x * x
    bx = unbroadcast(bresult * x, x) + unbroadcast(bresult * x, x)
    # Grad of: while abs(r) > 1e-12:
    ba = zeros_like(a)
    bb = zeros_like(b)
    br = zeros_like(r)
    for t15 in range(n):
        x = tape.pop()
        r = tape.pop()
        t5 = 3.0 * x
        t6 = t5 * x
        t7 = t6 + a
        t8 = r / t7
        t9 = x - t8
        tape.append(x)
        x = t9
        t10 = x * x
        t11 = t10 * x
        t12 = a * x
        t13 = t11 + t12
        # Grad of: r = x * x * x + a * x - b
        bt13 = unbroadcast(br, t13)
        bb = bb + unbroadcast(-br, b)
        bt11 = unbroadcast(bt13, t11)
        bt12 = unbroadcast(bt13, t12)
        ba = ba + unbroadcast(bt12 * x, a)
        bx = bx + unbroadcast(bt12 * a, x) + unbroadcast(bt11 * t10, x)
        bt10 = unbroadcast(bt11 * x, t10)
        bx = bx + unbroadcast(bt10 * x, x) + unbroadcast(bt10 * x, x)
        # Grad of: x = x - r / (3.0 * x * x + a)
        bt9 = bx
        x = tape.pop()
        bx = unbroadcast(bt9, x)
        bt8 = unbroadcast(-bt9, t8)
        br = unbroadcast(bt8 / t7, r)
        bt7 = unbroadcast(-(bt8 * t8 / t7), t7)
        bt6 = unbroadcast(bt7, t6)
        ba = ba + unbroadcast(bt7, a)
        bx = bx + unbroadcast(bt6 * t5, x) + unbroadcast(bt6 * x, t5) * 3.0
    # Grad of: r = x * x * x + a * x - b
    bb = bb + unbroadcast(-br, b)
    ba = ba + unbroadcast(unbroadcast(unbroadcast(br, t4), t3) * x, a)
    return ba, bb
