"""bmclib: the helper library of a Business Model Canvas course kit (Korean and English).

>>> import bmclib as bmc
>>> bmc.block("customer_relationships").question["en"]
'What kind of relationship will we form with a particular customer segment?'
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

from .advisor import advise, explain_choice
from .answers import AnswerFile, read_answers, write_answers
from .blocks import attributes, block, blocks, category, relationship_types, taxonomy
from .cases import get_case, load_cases
from .datasets import load_dataset
from .errors import AnswerFileError, BMCError, DataError
from .exercises import load_exercise_set
from .grading import grade_batch
from .keys import load_key
from .paths import data_path
from .scoring import score_answers

# Pictures and widgets load matplotlib / ipywidgets: import them only when first used.
_LAZY = {
    "Canvas": "canvas",
    "check_canvas": "canvas_checks",
    "draw_canvas": "plots",
    "draw_loyalty_ladder": "plots",
    "draw_pareto": "plots",
    "draw_advocate_pyramid": "plots",
    "use_korean_font": "plots",
    "save_canvas": "plots",
    "pareto_share": "analysis",
    "prioritise": "prioritise",
    "loyalty_stages": "analysis",
    "relationship_exercise": "widgets",
    "block_exercise": "widgets",
    "segment_prioritiser": "widgets",
    "canvas_editor": "widgets",
    "check": "checks",
    "model_answers": "checks",
    "progress": "progress_map",
    "review_items": "review_schedule",
    "review": "widgets",
}

__all__ = [
    "AnswerFile", "AnswerFileError", "BMCError", "Canvas", "DataError", "advise", "attributes", "block",
    "block_exercise", "blocks", "canvas_editor", "category", "check", "check_canvas", "data_path",
    "draw_advocate_pyramid", "draw_canvas", "draw_loyalty_ladder", "draw_pareto", "explain_choice",
    "get_case", "grade_batch", "load_cases", "load_dataset", "load_exercise_set", "load_key",
    "loyalty_stages", "model_answers", "pareto_share", "prioritise", "progress", "read_answers",
    "relationship_exercise", "relationship_types", "review", "review_items", "save_canvas", "score_answers",
    "segment_prioritiser", "taxonomy",
    "use_korean_font", "write_answers",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bmclib' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
