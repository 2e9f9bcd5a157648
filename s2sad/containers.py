"""Container types whose gradients come back in the same form as the inputs.

dicts, lists, tuples and named tuples are built in. Dataclasses are rebuilt with
their fields replaced; other classes can be registered:

    s2sad.register_container(Model, lambda fields: Model(**fields))

Without registration, the gradient with respect to an object is a dict from
attribute names to gradients.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

_REBUILDERS: dict = {}


def register_container(cls: type, rebuild: Callable[[dict], object]) -> None:
    """Gradients with respect to a `cls` instance are built by `rebuild(fields)`,
    where `fields` maps each attribute that received a gradient to it."""
    _REBUILDERS[cls] = rebuild


def rebuild(like, fields: dict):
    """An object shaped like `like` holding the attribute gradients `fields`."""
    for cls in type(like).__mro__:
        if cls in _REBUILDERS:
            return _REBUILDERS[cls](fields)
    if dataclasses.is_dataclass(like):
        zeros = {f.name: _zero(getattr(like, f.name)) for f in dataclasses.fields(like)
                 if f.init}
        zeros.update(fields)
        return dataclasses.replace(like, **zeros)
    return dict(fields)


def _zero(value):
    from .runtime import zeros_like
    return zeros_like(value)
