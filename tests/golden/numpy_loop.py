def dnumpy_loop(a, b, bz=1.0):
    tape = []
    z = 0.0
    for i in range(100):
        tape.append(z)
        z = a * np.cos(z + i) + z * np.sin(b - i)
    assert_scalar(z, numpy_loop)
    # Grad of: for i in range(100):
    ba = zeros_like(a)
    bb = zeros_like(b)
    for i in reversed(range(100)):
        z = tape.pop()
        t = z + i
        t2 = np.cos(t)
        t4 = b - i
        t5 = np.sin(t4)
        # Grad of: z = a * np.cos(z + i) + z * np.sin(b - i)
        bt3 = unbroadcast(bz, a * t2)
        bt6 = unbroadcast(bz, z * t5)
        bz = unbroadcast(bt6 * t5, z) - unbroadcast(bt3 * a, t2) * np.sin(t)
        bb += unbroadcast(bt6 * z, t5) * np.cos(t4)
        ba += unbroadcast(bt3 * t2, a)
    return ba, bb
