def dcalls_helper(x, bresult=1.0):
    t = helper(x)
    t2 = x * x
    t3 = helper(t2, scale=0.5)
    t4 = t * t3
    result = np.sum(t4)
    assert_scalar(result, calls_helper)
    # Grad of: return np.sum(helper(x) * helper(x * x, scale=0.5))
    bt4 = unreduce(unbroadcast(bresult, result), t4, None, False)
    bx = 2 * (dhelper(t2, scale=0.5, bresult=unbroadcast(bt4 * t, t3)) * x) + dhelper(x, bresult=unbroadcast(bt4 * t3, t))
    return bx
