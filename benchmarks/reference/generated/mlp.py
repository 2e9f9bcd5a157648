def dmlp(W1, b1, W2, b2, X, Y, bresult=1.0):
    t = X @ W1
    h = np.tanh(t + b1)
    t3 = h @ W2
    t4 = t3 + b2
    r = t4 - Y
    t5 = r * r
    t6 = np.sum(t5)
    t8 = X.shape[0]
    assert_scalar(t6 / t8, mlp_)
    # Grad of: return np.sum(r * r) / X.shape[0]
    br = unbroadcast(2 * (unreduce(unbroadcast(unbroadcast(bresult / t8, t6), t6), t5, None, False) * r), r)
    # Grad of: r = h @ W2 + b2 - Y
    bt4 = unbroadcast(br, t4)
    bt3 = unbroadcast(bt4, t3)
    bb2 = unbroadcast(bt4, b2)
    bh = matmul_adjoint_a(bt3, h, W2)
    bW2 = matmul_adjoint_b(bt3, h, W2)
    # Grad of: h = np.tanh(X @ W1 + b1)
    bt2 = bh * (1.0 - h * h)
    bb1 = unbroadcast(bt2, b1)
    bW1 = matmul_adjoint_b(unbroadcast(bt2, t), X, W1)
    return bW1, bb1, bW2, bb2
