def df(x, y, bresult=1.0):
    t = x ** 2
    t2 = t * y
    t3 = t2 + y
    assert_scalar(t3 + 2, 'f')
    # Grad of: return x ** 2 * y + y + 2
    bt3 = unbroadcast(bresult, t3)
    bt2 = unbroadcast(bt3, t2)
    by = unbroadcast(bt3, y)
    by = by + unbroadcast(bt2 * t, y)
    bx = unbroadcast(unbroadcast(bt2 * y, t) * 2 * x, x)
    return bx, by
