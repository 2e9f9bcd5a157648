def dseed(x, y, bresult=1.0):
    t = x ** 2
    t2 = t * y
    assert_scalar(t2 + y + 2, seed)
    # Grad of: return x ** 2 * y + y + 2
    bt2 = unbroadcast(bresult, t2)
    by = unbroadcast(bresult, y) + unbroadcast(bt2 * t, y)
    bx = unbroadcast(bt2 * y, t) * 2 * x
    return bx, by
