"""Fault injection: what :meth:`Emulator.inject` stores and how a request picks its fault.

To add a kind: name it in :data:`FAULT_KINDS`, then handle it where the facade applies faults
(``Emulator._apply_fault``); anything a fault needs travels in :class:`Fault`'s fields.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FAULT_KINDS = ("throttle", "inner_error", "http_5xx", "reset", "latency", "commit_then_hang", "error")
"""``error`` answers the error ``code`` (with ``message``) instead of processing the request."""


@dataclass
class Fault:
    """One injected fault (see :meth:`Emulator.inject`)."""

    kind: str
    action: str | None = None
    times: int | None = None
    probability: float | None = None
    delay: float = 0.0
    hits: int = 0
    code: str = ""
    message: str = ""

    def matches(self, action: str, rng: random.Random) -> bool:
        """Whether this request gets the fault (consumes one of ``times``)."""
        if self.action not in (None, action) or self.exhausted:
            return False
        if self.probability is not None and rng.random() >= self.probability:
            return False
        if self.times is not None:
            self.times -= 1
        self.hits += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.times <= 0
