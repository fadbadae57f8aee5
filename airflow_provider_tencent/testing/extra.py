"""The ``testing`` extra: a clear error when one of its packages is missing.

The emulator, the local S3 server and the pytest fixtures need Pillow, moto and pytest, which the provider
itself does not depend on. Without them, importing those modules raises an :class:`ImportError` that says
what to install, instead of a bare ``ModuleNotFoundError`` from deep inside a fixture.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

__all__ = ["INSTALL_HINT", "TESTING_MODULES", "require_testing_extra"]

#: The top-level modules of the ``testing`` extra's packages (pytest, moto, Pillow).
TESTING_MODULES = ("pytest", "moto", "PIL")
#: What to run when one of them is missing.
INSTALL_HINT = "pip install 'airflow-provider-tencent[testing]'"
_PACKAGES = {"pytest": "pytest", "moto": "moto[server]", "PIL": "pillow"}


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent that cannot be imported; ``sys.modules[name] is None``
        return True


def require_testing_extra(feature: str, modules: Iterable[str] = TESTING_MODULES) -> None:
    """Check that ``modules`` can be imported, without importing them.

    :param feature: what needs them, for the message ("the pytest plugin").
    :param modules: top-level module names (default: those of the whole ``testing`` extra).
    :raises ImportError: naming the missing packages and :data:`INSTALL_HINT`.
    """
    missing = [name for name in modules if _missing(name)]
    if missing:
        packages = ", ".join(_PACKAGES.get(name, name) for name in missing)
        raise ImportError(
            f"{feature} needs the provider's 'testing' extra ({packages} not installed): {INSTALL_HINT}",
            name=missing[0],
        )
