def dscalar_loop(a, b, da):
    z = 0.0
    dz = 0.0
    for i in range(100):
        t = z + i
        t2 = math.cos(t)
        t5 = math.sin(b - i)
        z = a * t2 + z * t5
        dz = da * t2 - a * (dz * math.sin(t)) + dz * t5
    return dz
