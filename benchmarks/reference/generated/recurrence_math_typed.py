def drecurrence_math_typed(a, b, n, bz=1.0):
    tape = []
    z = 0.5
    for i in range(n):
        tape.append(z)
        z = a * math.cos(z + i) + z * math.sin(b - i)
    # Grad of: for i in range(n):
    ba = 0.0
    bb = 0.0
    for i in reversed(range(n)):
        z = tape.pop()
        t = z + i
        t4 = b - i
        # Grad of: z = a * math.cos(z + i) + z * math.sin(b - i)
        bt3 = bz
        bt6 = bz
        bz = bt6 * math.sin(t4) - bt3 * a * math.sin(t)
        bb = bb + bt6 * z * math.cos(t4)
        ba = ba + bt3 * math.cos(t)
    return ba, bb
