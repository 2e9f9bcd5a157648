def df(x, y, bresult=1.0):
    t = x ** 2
    assert_scalar(t * y + y, f, bresult)
    # Grad of: return x ** 2 * y + y + 2
    by = unbroadcast(bresult, y) + unbroadcast(bresult * t, y)
    bx = unbroadcast(bresult * y * 2 * x, x)
    return bx, by
