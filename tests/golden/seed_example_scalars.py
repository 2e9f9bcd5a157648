def df_scalars(x, y, bresult=1.0):
    # Grad of: return x ** 2 * y + y + 2
    by = bresult + bresult * x ** 2
    bx = bresult * y * 2 * x
    return bx, by
