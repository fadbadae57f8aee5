"""What every backend is given: :class:`BackendContext` (clock, RNG, lock, settings), built once by the facade.

A backend reads the emulator through this context only, never through the facade's fields; the facade
changes the context's values (a frozen clock, a reseeded RNG, new settings) and every backend sees them.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IMAGE_SEARCH_ANSWERS", "BackendContext", "Settings"]

#: The defaults of :meth:`Emulator.set_image_search_answers` (answers the Image Search documents leave open).
IMAGE_SEARCH_ANSWERS: dict[str, Any] = {"unknown_group": "empty", "delete_missing": "ok", "max_qps_cap": 0}


@dataclass
class Settings:
    """The knobs a test turns (each is also an attribute of :class:`~.facade.Emulator` of the same name).

    :param download_timeout: seconds allowed to download each image URL.
    :param aigc_duration: seconds an AIGC task takes from creation to FINISH (WAITING for the first tenth).
    :param sub_app_ids: when set, AIGC task actions require a ``SubAppId`` from this set.
    :param aigc_concurrency: AIGC tasks the account runs at once (``None``: no limit).
    :param aigc_duplicate_code: the code that refuses a repeated SessionId.
    :param aigc_null_while_waiting: a ``WAITING`` task's ``AigcVideoTask``/``AigcImageTask`` member is null.
    :param sts_lifetime_override: when set, AssumeRole and CVM metadata keys live this many seconds.
    :param image_search_answers: the Image Search answers the documents leave open.
    """

    download_timeout: float = 5.0
    aigc_duration: float = 2.0
    sub_app_ids: set[int] | None = None
    aigc_concurrency: int | None = 1
    aigc_duplicate_code: str = "InvalidParameterValue.SessionId"
    aigc_null_while_waiting: bool = False
    sts_lifetime_override: float | None = None
    image_search_answers: dict[str, Any] = field(default_factory=lambda: dict(IMAGE_SEARCH_ANSWERS))


@dataclass
class BackendContext:
    """The emulator as a backend sees it.

    :param clock: the wall clock (signatures, timestamps, key expiry, task ages); tests may freeze it.
    :param rng: the seeded RNG (ElementIds, TaskIds; fault probabilities and latency in the pipeline).
    :param lock: the one lock every read and write of the emulator's state holds.
    :param settings: the current :class:`Settings`.
    :param url: ``http://HOST:PORT`` once the emulator listens (output file URLs are built on it).
    """

    clock: Callable[[], float]
    rng: random.Random
    lock: threading.RLock
    settings: Settings = field(default_factory=Settings)
    url: str = ""
