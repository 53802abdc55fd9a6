"""Services that other parts of the project are still building: use them when they are there, say so when not."""

import importlib
from collections.abc import Callable
from typing import Any


def service(module: str, name: str) -> Callable[..., Any] | None:
    """The function `module.name`, or None while that module or function does not exist yet."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def services(module: str, *names: str) -> list[Callable[..., Any]] | None:
    """Several functions of one module, or None while any of them is missing."""
    found = [service(module, name) for name in names]
    return None if any(f is None for f in found) else [f for f in found if f is not None]
