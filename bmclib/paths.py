"""Where the shipped data lives, for editable and installed copies alike."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def data_dir() -> Path:
    """Return the folder that holds the shipped data files.

    An installed wheel carries them as ``bmclib/data``; an editable install
    (a clone with ``pip install -e .``) reads the repository's ``data/``.

    >>> (data_dir() / "attributes.json").is_file()
    True
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent / "data"):
        if (candidate / "attributes.json").is_file():
            return candidate
    raise FileNotFoundError(
        f"bmclib's data folder is missing (looked in {here / 'data'} and {here.parent / 'data'}); "
        "reinstall the package with 'pip install .'"
    )


def data_path(*parts: str) -> Path:
    """Return the path of a shipped data file, e.g. ``data_path("cases.csv")``.

    >>> data_path("cases.csv").name
    'cases.csv'
    """
    return data_dir().joinpath(*parts)
