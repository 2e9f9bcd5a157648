def drecurrence_math(a, b, n, bz=1.0):
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
        bb = bb + bz * z * math.cos(t4)
        ba = ba + bz * math.cos(t)
        bz = bz * (math.sin(t4) - a * math.sin(t))
    return ba, bb
