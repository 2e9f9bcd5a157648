def dseed(x, y, dx, dy):
    t = x ** 2
    t2 = t * y
    t3 = t2 + y
    result = t3 + 2
    return expand(like(like(like(like(dx * 2 * x, t) * y + t * dy, t2) + dy, t3), result), result)
