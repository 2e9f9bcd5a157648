def drnn(Wx, Wh, b, xs, h0, bresult=1.0):
    tape = []
    h = h0
    t3 = xs.shape[0]
    for t in range(t3):
        tape.append(h)
        t5 = xs[t] @ Wx
        tape.append(shape_of(t5))
        t6 = h @ Wh
        tape.append(shape_of(t6))
        t7 = t5 + t6
        tape.append(shape_of(t7))
        h = np.tanh(t7 + b)
    t9 = h * h
    result = np.sum(t9)
    assert_scalar(result, rnn_)
    # Grad of: return np.sum(h * h)
    bh = unbroadcast(2 * (unreduce(unbroadcast(bresult, result), t9, None, False) * h), h)
    # Grad of: for t in range(xs.shape[0]):
    bWh = zeros_like(Wh)
    bWx = zeros_like(Wx)
    bb = zeros_like(b)
    h_next = h
    for t in reversed(range(t3)):
        t7 = tape.pop()
        t6 = tape.pop()
        t5 = tape.pop()
        h = tape.pop()
        h_end = h_next
        h_next = h
        # Grad of: h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        bt8 = bh * (1.0 - h_end * h_end)
        bt7 = unbroadcast(bt8, t7)
        bb += unbroadcast(bt8, b)
        bt6 = unbroadcast(bt7, t6)
        bh = matmul_adjoint_a(bt6, h, Wh)
        bWh += matmul_adjoint_b(bt6, h, Wh)
        bWx += matmul_adjoint_b(unbroadcast(bt7, t5), xs[t], Wx)
    return bWx, bWh, bb
