def dcalls_helper(x, bresult=1.0):
    t = helper(x)
    t2 = x * x
    t3 = helper(t2, scale=0.5)
    assert_scalar_seed(bresult, calls_helper)
    # Grad of: return np.sum(helper(x) * helper(x * x, scale=0.5))
    bt4 = unreduce(bresult, t * t3, None, False)
    bx = 2 * (dhelper(t2, scale=0.5, bresult=unbroadcast(bt4 * t, t3)) * x) + dhelper(x, bresult=unbroadcast(bt4 * t3, t))
    return bx
