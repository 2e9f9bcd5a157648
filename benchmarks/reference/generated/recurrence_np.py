def drecurrence_np(a, b, n, bz=1.0):
    tape = []
    z = 0.5
    for i in range(n):
        tape.append(z)
        z = a * np.cos(z + i) + z * np.sin(b - i)
    # Grad of: for i in range(n):
    ba = 0.0
    bb = 0.0
    for i in reversed(range(n)):
        z = tape.pop()
        t = z + i
        t4 = b - i
        # Grad of: z = a * np.cos(z + i) + z * np.sin(b - i)
        bb = bb + bz * z * np.cos(t4)
        ba = ba + bz * np.cos(t)
        bz = bz * (np.sin(t4) - a * np.sin(t))
    return ba, bb
