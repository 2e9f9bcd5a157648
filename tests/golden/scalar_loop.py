def dscalar_loop(a, b, bz=1.0):
    tape = []
    z = 0.0
    for i in range(100):
        tape.append(z)
        z = a * math.cos(z + i) + z * math.sin(b - i)
    # Grad of: for i in range(100):
    ba = 0.0
    bb = 0.0
    for i in reversed(range(100)):
        z = tape.pop()
        t = z + i
        t4 = b - i
        # Grad of: z = a * math.cos(z + i) + z * math.sin(b - i)
        bb = bb + bz * z * math.cos(t4)
        ba = ba + bz * math.cos(t)
        bz = bz * (math.sin(t4) - a * math.sin(t))
    return ba, bb
