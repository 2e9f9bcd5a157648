def drnn(Wh, Wx, xs, bresult=1.0):
    tape = []
    h = np.zeros(Wh.shape[0])
    items = walked(xs)
    t3 = len(items)
    for i in range(t3):
        tape.append(h)
        x = items[i]
        h = np.tanh(Wh @ h + Wx @ x)
    assert_scalar_seed(bresult, rnn)
    # Grad of: return np.sum(h)
    bh = unreduce(bresult, h, None, False)
    # Grad of: for x in xs:
    bWh = zeros_like(Wh)
    bWx = zeros_like(Wx)
    h_next = h
    for i in reversed(range(t3)):
        h = tape.pop()
        h_end = h_next
        h_next = h
        x = items[i]
        # Grad of: h = np.tanh(Wh @ h + Wx @ x)
        bt6 = bh * (1.0 - h_end * h_end)
        bWx += matmul_adjoint_a(bt6, Wx, x)
        bWh += matmul_adjoint_a(bt6, Wh, h)
        bh = matmul_adjoint_b(bt6, Wh, h)
    return bWh, bWx
