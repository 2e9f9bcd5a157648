def drecurrence_math_typed(a, b, n, bz=1.0):
    tape = []
    z = 0.5
    for i in range(n):
        tape.append(z)
        t = z + i
        t2 = math.cos(t)
        t4 = b - i
        t5 = math.sin(t4)
        z = a * t2 + z * t5
    # Grad of: for i in range(n):
    ba = 0.0
    bb = 0.0
    for i in reversed(range(n)):
        z = tape.pop()
        t = z + i
        t2 = math.cos(t)
        t4 = b - i
        t5 = math.sin(t4)
        # Grad of: z = a * math.cos(z + i) + z * math.sin(b - i)
        bt3 = bz
        bt6 = bz
        bz = bt6 * t5 - bt3 * a * math.sin(t)
        bb = bb + bt6 * z * math.cos(t4)
        ba = ba + bt3 * t2
    return ba, bb
