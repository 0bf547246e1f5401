"""Who the student is, before anyone asks (CONTRACT.md section 8).

The student id is the first one found of: the widget's argument, ``BMC_STUDENT_ID``,
``JUPYTERHUB_USER`` (set by JupyterHub in every user's server and kernel), the answer file
already on disk (the widget checks that one), and only then the widget asks once. The name
comes from the argument or ``BMC_STUDENT_NAME``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

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


def belongs_to(student_id: str, user: str) -> bool:
    """Whether an answer file's student id is the user's own name, compared as ids are
    (:func:`bmclib.fileio.normalise_id`); on The Littlest JupyterHub the home folder of user
    ``kim`` is ``jupyter-kim``.

    >>> belongs_to("kim", "kim"), belongs_to("Kim", "jupyter-kim"), belongs_to("lee", "kim")
    (True, True, False)
    """
    from .fileio import normalise_id

    sid, name = normalise_id(student_id), normalise_id(user)
    return sid == name or name == f"jupyter-{sid}"
