"""Which expressions may be moved or dropped: the optimizer's one question."""
from __future__ import annotations

import gast

from .. import syntax


def is_pure(node: gast.AST, local_names: set) -> bool:
    """No call here can change state: method calls on locals (tape.pop) can."""
    for sub in syntax.walk(node):
        if isinstance(sub, gast.Call):
            func = sub.func
            while isinstance(func, gast.Attribute):
                func = func.value
            if isinstance(sub.func, gast.Attribute) and isinstance(func, gast.Name) \
                    and func.id in local_names:
                return False
    return True
