def dmlp(params, x, y, dparams):
    t = params['W1']
    t2 = x @ t
    t4 = t2 + params['b1']
    dt4 = like(product_rule(t2, operator.matmul, x, 0.0, t, gather(dparams, params, 'W1')) + gather(dparams, params, 'b1'), t4)
    h = np.tanh(t4)
    dh = dt4 * (1.0 - h * h)
    t5 = params['W2']
    t6 = h @ t5
    out = t6 + params['b2']
    dout = like(product_rule(t6, operator.matmul, h, dh, t5, gather(dparams, params, 'W2')) + gather(dparams, params, 'b2'), out)
    t8 = out - y
    t9 = t8 ** 2
    return expand(np.mean(expand(like(like(dout, t8) * 2 * t8, t9), t9), axis=None, keepdims=False), np.mean(t9))
