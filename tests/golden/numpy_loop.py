def dnumpy_loop(a, b, bz=1.0):
    tape = []
    z = 0.0
    for i in range(100):
        tape.append(z)
        z = a * np.cos(z + i) + z * np.sin(b - i)
    assert_scalar(z, numpy_loop, bz)
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
        bb += unbroadcast(bz * z, t5) * np.cos(t4)
        ba += unbroadcast(bz * t2, a)
        bz = unbroadcast(bz * t5, z) - unbroadcast(bz * a, t2) * np.sin(t)
    return ba, bb
