def dpiecewise(x, y, n, bs=1.0):
    tape = []
    s = 0.0
    for i in range(n):
        tape.append(s)
        t2 = i % 7
        t3 = x * t2
        t4 = y * 0.01
        t5 = t4 * i
        t = t3 - t5
        cond2 = t > 1.0
        if cond2:
            t6 = math.log(t)
            s = s + t6
        else:
            cond = t > -1.0
            if cond:
                t8 = 0.5 * t
                t9 = t8 * t
                s = s + t9
            else:
                s = s - t - 0.5
    assert_scalar(s, 'piecewise')
    # Grad of: for i in range(n):
    bx = zeros_like(x)
    by = zeros_like(y)
    for i in reversed(range(n)):
        s = tape.pop()
        t2 = i % 7
        t3 = x * t2
        t4 = y * 0.01
        t5 = t4 * i
        t = t3 - t5
        cond2 = t > 1.0
        if cond2:
            t6 = math.log(t)
        else:
            cond = t > -1.0
            if cond:
                t8 = 0.5 * t
                t9 = t8 * t
                tape.append(s)
            else:
                tape.append(s)
        if cond2:
            # Grad of: s = s + math.log(t)
            bt7 = bs
            bs = bt7
            bt = unbroadcast(bt7, t6) / (t * math.log(2.718281828459045))
        elif cond:
            # Grad of: s = s + 0.5 * t * t
            bt10 = bs
            s = tape.pop()
            bs = unbroadcast(bt10, s)
            bt9 = unbroadcast(bt10, t9)
            bt = unbroadcast(bt9 * t8, t) + unbroadcast(bt9 * t, t8) * 0.5
        else:
            # Grad of: s = s - t - 0.5
            bt11 = bs
            s = tape.pop()
            bs = unbroadcast(bt11, s)
            bt = unbroadcast(-bt11, t)
        # Grad of: t = x * (i % 7) - y * 0.01 * i
        by = by + unbroadcast(-bt, t5) * i * 0.01
        bx = bx + unbroadcast(bt, t3) * t2
    return bx, by
