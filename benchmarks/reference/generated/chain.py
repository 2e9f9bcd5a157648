def dchain(x, bresult=1.0):
    t = np.sin(x)
    t2 = -x
    t4 = np.exp(t2 * x)
    t6 = np.tanh(x)
    y = t * t4 + t6 ** 2
    t10 = np.sqrt(y * y + 1.0)
    result = np.sum(t10)
    assert_scalar(result, chain_)
    # Grad of: return np.sum(np.sqrt(y * y + 1.0))
    by = unreduce(unbroadcast(bresult, result), t10, None, False) / t10 * y
    # Grad of: y = np.sin(x) * np.exp(-x * x) + np.tanh(x) ** 2
    bx = by * (2 * t6 * (1.0 - t6 * t6) + t4 * (t * (t2 - x) + np.cos(x)))
    return bx
