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
        bt3 = bz
        bt6 = bz
        bz = bt6 * np.sin(t4) - bt3 * a * np.sin(t)
        bb = bb + bt6 * z * np.cos(t4)
        ba = ba + bt3 * np.cos(t)
    return ba, bb
