"""bmclib: the helper library of a Business Model Canvas course kit (Korean and English).

``import bmclib as bmc`` gives the names a lesson uses (``__all__``); the rest lives in submodules
named after their job: ``bmclib.grading`` (``grade_batch``, the class's grades), ``bmclib.keys``
(``load_key``), ``bmclib.answers`` (answer files), ``bmclib.report``, ``bmclib.collect``,
``bmclib.plots`` (every chart), ``bmclib.analysis``, ``bmclib.exercises``, ``bmclib.cases``. For
older notebooks those names still resolve here too (``bmc.load_key``), without being part of the
surface.

>>> import bmclib as bmc
>>> bmc.block("customer_relationships").question["en"]
'What kind of relationship will we form with a particular customer segment?'
"""

from __future__ import annotations

from importlib import import_module, metadata

from .blocks import blocks  # bound here: a name that is also a submodule must not be shadowed by it
from .errors import BMCError
from .i18n import set_language
from .prioritise import prioritise as prioritise  # bound here for the same reason as blocks

try:
    __version__ = metadata.version("bmclib")
except metadata.PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

#: Every name ``bmc.<name>`` resolves, and the module it lives in. Modules load when a name is
#: first used, so ``import bmclib`` pays for neither pandas, matplotlib nor ipywidgets.
_NAMES = {
    # the course: blocks, cases, the advisor, datasets, checks of the pandas exercises
    "blocks": "blocks",
    "block": "blocks",
    "taxonomy": "blocks",
    "category": "blocks",
    "relationship_types": "blocks",
    "attributes": "blocks",
    "advise": "advisor",
    "explain_choice": "advisor",
    "load_cases": "cases",
    "get_case": "cases",
    "load_dataset": "datasets",
    "check": "checks",
    "model_answers": "checks",
    # exercises, widgets and the canvas
    "relationship_exercise": "widgets",
    "block_exercise": "widgets",
    "segment_prioritiser": "widgets",
    "canvas_editor": "widgets",
    "load_exercise_set": "exercises",
    "Canvas": "canvas",
    "check_canvas": "canvas_checks",
    # pictures
    "draw_canvas": "plots",
    "save_canvas": "plots",
    "draw_loyalty_ladder": "plots",
    "draw_pareto": "plots",
    "draw_advocate_pyramid": "plots",
    "use_fonts": "plots",
    "use_korean_font": "plots",
    "pareto_share": "analysis",
    "loyalty_stages": "analysis",
    "prioritise": "prioritise",
    # instructors (documented in their modules)
    "load_key": "keys",
    "score_answers": "scoring",
    "grade_batch": "grading",
    "grade_canvas": "canvas_grading",
    "grade_canvases": "canvas_grading",
    "load_rubric": "canvas_grading",
    "AnswerFile": "answers",
    "read_answers": "answers",
    "write_answers": "answers",
    "answers_dir": "answers",
    "data_path": "paths",
    "DataError": "errors",
    "AnswerFileError": "errors",
    # self-study: what a learner has done, and the review of what they missed
    "progress": "progress_map",
    "review_items": "review_schedule",
    "review": "widgets",
}

#: What a lesson needs: the student-facing surface.
__all__ = [
    "BMCError",
    "Canvas",
    "advise",
    "block",
    "block_exercise",
    "blocks",
    "canvas_editor",
    "check",
    "check_canvas",
    "draw_canvas",
    "explain_choice",
    "load_cases",
    "load_dataset",
    "progress",
    "relationship_exercise",
    "review",
    "segment_prioritiser",
    "set_language",
    "use_fonts",
]


def __getattr__(name: str):
    if name in _NAMES:
        value = getattr(import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bmclib' has no attribute {name!r}")


def __dir__():
    return sorted(set(__all__) | {"__version__"})
