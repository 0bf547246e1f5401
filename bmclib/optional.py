"""Optional heavy packages (pandas, matplotlib): imported where a feature needs them.

The exercises work without them (the course's browser site has neither); a feature that truly
needs one raises :class:`~bmclib.errors.MissingPackageError`, whose message (Korean and English,
from the message catalogue) names the feature, the package and what to do instead.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from .errors import MissingPackageError


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (e.g. ``"pandas"`` or ``"matplotlib.figure"``) for ``feature``.

    Raises:
        MissingPackageError: the package is not installed; the message says so in Korean and
            English and names ``feature``.

    >>> require("json", "a doctest").__name__
    'json'
    >>> require("no_such_package_xyz", "load_cases()")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bmclib.errors.MissingPackageError: ...load_cases()...no_such_package_xyz...
    """
    try:
        return import_module(module)
    except ImportError as exc:
        package = (getattr(exc, "name", None) or module).split(".")[0]
        if package != module.split(".")[0]:
            raise  # the package is there but something it imports is broken: show that
        from .i18n import Msg

        raise MissingPackageError(
            package, Msg("ui.needs_package", feature=feature, package=package)
        ) from exc
