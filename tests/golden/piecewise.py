def dpiecewise(x, by=1.0):
    if x > 1.0:
        # Grad of: y = x * x
        bx = 2 * (by * x)
    elif x > 0.0:
        # Grad of: y = math.sin(x)
        bx = by * math.cos(x)
    else:
        # Grad of: y = -x
        bx = -by
    return bx
