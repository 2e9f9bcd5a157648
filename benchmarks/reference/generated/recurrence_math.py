def drecurrence_math(a, b, n, bz=1.0):
    tape = []
    z = 0.5
    for i in range(n):
        tape.append(z)
        t = z + i
        t2 = math.cos(t)
        t3 = a * t2
        t4 = b - i
        t5 = math.sin(t4)
        t6 = z * t5
        z = t3 + t6
    assert_scalar(z, 'recurrence_math')
    # Grad of: for i in range(n):
    ba = zeros_like(a)
    bb = zeros_like(b)
    for i in reversed(range(n)):
        z = tape.pop()
        t = z + i
        t2 = math.cos(t)
        t3 = a * t2
        t4 = b - i
        t5 = math.sin(t4)
        t6 = z * t5
        # Grad of: z = a * math.cos(z + i) + z * math.sin(b - i)
        bt3 = unbroadcast(bz, t3)
        bt6 = unbroadcast(bz, t6)
        bz = bt6 * t5 - unbroadcast(bt3 * a, t2) * math.sin(t)
        bb = bb + unbroadcast(bt6 * z, t5) * math.cos(t4)
        ba = ba + bt3 * t2
    return ba, bb
