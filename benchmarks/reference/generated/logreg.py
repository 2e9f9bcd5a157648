def dlogreg(w, X, y, bresult=1.0):
    z = X @ w
    t = -y
    t3 = np.exp(t * z)
    t4 = 1.0 + t3
    t5 = np.log(t4)
    t6 = np.sum(t5)
    t8 = X.shape[0]
    assert_scalar(t6 / t8, logreg_)
    # Grad of: return np.sum(np.log(1.0 + np.exp(-y * z))) / X.shape[0]
    bz = unbroadcast(unreduce(unbroadcast(unbroadcast(bresult / t8, t6), t6), t5, None, False) / t4 * t3 * t, z)
    # Grad of: z = X @ w
    bw = matmul_adjoint_b(bz, X, w)
    return bw
