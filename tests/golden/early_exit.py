def dearly_exit(x, bresult=1.0):
    tape = []
    returned = False
    s = 0.0
    stop = False
    n = 0
    for i in range(10):
        tape.append(s)
        s = s + x * i
        if s > 5.0:
            returned = True
            stop = True
        n = n + 1
        if stop:
            break
    if not returned:
        # Grad of: return s
        bs = bresult
        bresult = 0.0
    else:
        bs = 0.0
    # Grad of: for i in range(10):
    bx = 0.0
    s_next = s
    for i in reversed(range(10)[:n]):
        s = tape.pop()
        s_end = s_next
        s_next = s
        s = s_end
        if s > 5.0:
            # Grad of: return s * x
            bs = bs + bresult * x
            bx = bx + bresult * s
            bresult = 0.0
        # Grad of: s = s + x * i
        bx = bx + bs * i
    return bx
