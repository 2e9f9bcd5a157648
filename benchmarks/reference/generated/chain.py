def dchain(x, bresult=1.0):
    t = np.sin(x)
    t2 = -x
    t4 = np.exp(t2 * x)
    t5 = t * t4
    t6 = np.tanh(x)
    t7 = t6 ** 2
    y = t5 + t7
    t10 = np.sqrt(y * y + 1.0)
    result = np.sum(t10)
    assert_scalar(result, chain_)
    # Grad of: return np.sum(np.sqrt(y * y + 1.0))
    by = unbroadcast(unreduce(unbroadcast(bresult, result), t10, None, False) / t10 * y, y)
    # Grad of: y = np.sin(x) * np.exp(-x * x) + np.tanh(x) ** 2
    bt5 = unbroadcast(by, t5)
    bx = unbroadcast(by, t7) * 2 * t6 * (1.0 - t7)
    bt3 = unbroadcast(bt5 * t, t4) * t4
    bx = bx + unbroadcast(bt3 * t2, x) - unbroadcast(bt3 * x, t2) + unbroadcast(bt5 * t4, t) * np.cos(x)
    return bx
