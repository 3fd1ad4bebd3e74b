"""Lazy access to python-escpos.

Importing escpos costs ~150 ms and its ``capabilities`` module calls
``logging.basicConfig()``, which would put a stderr handler on the root logger and
print into a running Textual app. So escpos is imported on first use only, and any
root handler the import added is removed again.
"""

from __future__ import annotations

import logging
import threading
from types import ModuleType

_lock = threading.Lock()
_loaded: ModuleType | None = None


def escpos() -> ModuleType:
    """The ``escpos`` package with ``printer``, ``constants`` and ``exceptions`` loaded."""
    global _loaded
    with _lock:
        if _loaded is None:
            root = logging.getLogger()
            before = list(root.handlers)
            import escpos
            import escpos.constants
            import escpos.exceptions
            import escpos.printer

            for handler in root.handlers[:]:
                if handler not in before:
                    root.removeHandler(handler)
            _loaded = escpos
    return _loaded
