def dmlp(params, x, y, bresult=1.0):
    t = params['W1']
    t3 = params['b1']
    h = np.tanh(x @ t + t3)
    t5 = params['W2']
    t7 = params['b2']
    out = h @ t5 + t7
    t8 = out - y
    assert_scalar_seed(bresult, mlp)
    # Grad of: return np.mean((out - y) ** 2)
    bout = unbroadcast(bresult / count(t8) * 2 * t8, out)
    # Grad of: out = h @ params["W2"] + params["b2"]
    bparams = scatter(unbroadcast(bout, t7), params, 'b2') + scatter(matmul_adjoint_b(bout, h, t5), params, 'W2')
    bh = matmul_adjoint_a(bout, h, t5)
    # Grad of: h = np.tanh(x @ params["W1"] + params["b1"])
    bt4 = bh * (1.0 - h * h)
    bparams = bparams + scatter(unbroadcast(bt4, t3), params, 'b1') + scatter(matmul_adjoint_b(bt4, x, t), params, 'W1')
    return structured(bparams, params)
