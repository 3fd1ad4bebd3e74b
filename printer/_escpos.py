"""Lazy access to python-escpos.

Importing escpos costs ~150 ms, and escpos puts a stderr handler on the root logger
in two ways: ``capabilities`` calls ``logging.basicConfig()`` on import, and the
printer classes log through the module-level ``logging.info()``, which calls
``basicConfig()`` itself when the root logger has no handler yet. In a Textual app
that stderr output would draw over the screen. So escpos is imported on first use
only, and imports and device calls run inside :func:`quiet_root_logging`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_lock = threading.Lock()
_loaded: ModuleType | None = None


@contextmanager
def quiet_root_logging() -> Iterator[None]:
    """Remove, on the way out, any root handler that appeared inside the block."""
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)


def escpos() -> ModuleType:
    """The ``escpos`` package with ``printer``, ``capabilities``, ``constants`` and ``exceptions`` loaded."""
    global _loaded
    with _lock:
        if _loaded is None:
            with quiet_root_logging():
                import escpos
                import escpos.capabilities
                import escpos.constants
                import escpos.exceptions
                import escpos.printer
            _loaded = escpos
    return _loaded
