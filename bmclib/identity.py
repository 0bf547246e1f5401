"""Who the student is, before anyone asks (CONTRACT.md section 8).

The student id is the first one found of: the widget's argument, ``BMC_STUDENT_ID``,
``JUPYTERHUB_USER`` (set by JupyterHub in every user's server and kernel), the answer file
already on disk (the widget checks that one), and only then the widget asks once. The name
comes from the argument or ``BMC_STUDENT_NAME``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

#: Environment variables that name the student, strongest first.
ID_VARIABLES = ("BMC_STUDENT_ID", "JUPYTERHUB_USER")
NAME_VARIABLE = "BMC_STUDENT_NAME"


def student_from_env(
    student_id: str | None = None,
    student_name: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """``(id, name)`` from the arguments, else the environment; ``""`` for what is unknown.

    >>> student_from_env(environ={"JUPYTERHUB_USER": "kim"})
    ('kim', '')
    >>> student_from_env(environ={"JUPYTERHUB_USER": "kim", "BMC_STUDENT_ID": "s0001",
    ...                           "BMC_STUDENT_NAME": " Kim Minji "})
    ('s0001', 'Kim Minji')
    >>> student_from_env("s0002", environ={"BMC_STUDENT_ID": "s0001"})
    ('s0002', '')
    """
    env = os.environ if environ is None else environ
    sid = (student_id or "").strip()
    for variable in ID_VARIABLES:
        if sid:
            break
        sid = (env.get(variable) or "").strip()
    name = (student_name or "").strip() or (env.get(NAME_VARIABLE) or "").strip()
    return sid, name


def home_folders(student_id: str, users: Iterable[str]) -> list[str]:
    """Which of ``users`` (the users whose folders files were collected from) is the student's
    own folder: one name, none (``[]``), or several when that cannot be told.

    Ids are compared as :func:`bmclib.fileio.normalise_id` does. A user whose name is the id
    comes first; only when there is none does ``jupyter-<id>`` count (The Littlest JupyterHub's
    home folders). Two users whose names compare equal (``kim`` and full-width ``ｋｉｍ``, or
    ``Kim`` and ``kim`` under two roots) cannot be told apart: all of them are returned and none
    counts as the student's own (grading names the clash; a file's own spelling of the id cannot
    decide it, since either account can write any spelling).

    >>> home_folders("KIM", ["kim", "mallory"]), home_folders("lee", ["jupyter-lee", "lee"])
    (['kim'], ['lee'])
    >>> home_folders("kim", ["jupyter-kim"]), home_folders("kim", ["ｋｉｍ", "kim"])
    (['jupyter-kim'], ['kim', 'ｋｉｍ'])
    >>> home_folders("kim", ["KIM", "Kim"]), home_folders("lee", ["kim"])
    (['KIM', 'Kim'], [])
    """
    return HomeFolders(users)(student_id)


class HomeFolders:
    """:func:`home_folders` for many students among one set of users: the users' names are
    compared once, so a class of thousands among thousands of users takes linear time.

    >>> homes = HomeFolders(["kim", "jupyter-lee", "ｋｉｍ"])
    >>> homes("KIM"), homes("lee"), homes("park")
    (['kim', 'ｋｉｍ'], ['jupyter-lee'], [])
    """

    def __init__(self, users: Iterable[str]):
        from .fileio import normalise_id

        self._normalise = normalise_id
        self._by_name: dict[str, list[str]] = {}
        for user in sorted(set(users)):
            self._by_name.setdefault(normalise_id(user), []).append(user)

    def __call__(self, student_id: str) -> list[str]:
        sid = self._normalise(student_id)
        return list(self._by_name.get(sid) or self._by_name.get(f"jupyter-{sid}") or [])
