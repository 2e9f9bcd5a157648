def dscalar_loop(a, b, da):
    z = 0.0
    dz = 0.0
    for i in range(100):
        t = z + i
        t2 = math.cos(t)
        t3 = a * t2
        t5 = math.sin(b - i)
        t6 = z * t5
        z = t3 + t6
        dz = like(like(da * t2 + a * -(like(dz, t) * math.sin(t)), t3) +
            like(dz * t5, t6), z)
    return expand(dz, z)
