def dlogistic(w, X, y, bresult=1.0):
    t3 = np.exp(-(X @ w))
    t4 = 1.0 + t3
    p = 1.0 / t4
    t5 = np.log(p)
    t7 = 1.0 - y
    t8 = 1.0 - p
    t9 = np.log(t8)
    t11 = y * t5 + t7 * t9
    assert_scalar_seed(bresult, logistic)
    # Grad of: return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    bt11 = unreduce(-(bresult / count(t11)), t11, None, False)
    bp = -(unbroadcast(bt11 * t7, t9) / t8) + unbroadcast(bt11 * y, t5) / p
    # Grad of: p = 1.0 / (1.0 + np.exp(-(X @ w)))
    bw = matmul_adjoint_b(bp / t4 * p * t3, X, w)
    return bw
