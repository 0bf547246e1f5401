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
    from .i18n import Msg

    raise FileNotFoundError(
        str(Msg("paths.no_data", first=here / "data", second=here.parent / "data"))
    )


def data_path(*parts: str) -> Path:
    """Return the path of a shipped data file, e.g. ``data_path("cases.csv")``.

    >>> data_path("cases.csv").name
    'cases.csv'
    """
    return data_dir().joinpath(*parts)


def shipped_or_path(ref: str | Path, folder: str) -> Path:
    """A shipped file named by its id (``"relationships-practice"`` -> ``data/<folder>/<id>.csv``),
    or the path of a user's own file. An id that names no shipped file is an ``UnknownIdError`` with
    a did-you-mean, whatever the folder (keys, exercise sets): one rule for every "id or path"
    argument.

    >>> shipped_or_path("channels-practice", "keys").name
    'channels-practice.csv'
    >>> shipped_or_path("my_folder/keys/my-quiz.csv", "keys").as_posix()
    'my_folder/keys/my-quiz.csv'
    """
    text = str(ref)
    if text.endswith(".csv") or "/" in text or "\\" in text or Path(text).exists():
        return Path(ref)
    ids = sorted(p.stem for p in data_path(folder).glob("*.csv"))
    if text in ids:
        return data_path(folder, f"{text}.csv")
    from .errors import UnknownIdError, closest, unknown
    from .i18n import Msg

    raise UnknownIdError(
        Msg("paths.unknown_or_path", error=unknown("exercise set", text, ids)),
        word=text,
        choices=ids,
        suggestion=closest(text, ids),
    )
