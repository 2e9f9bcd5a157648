
import numpy as np
class Tracker:
    def __init__(self):
        self.hist = [0.0]
    def record(self, v):
        self.hist.append(v)
        return v * 2.0

def f(x, t):
    y = t.record(x * x)
    return y + sum(t.hist)
