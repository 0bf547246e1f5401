"""Exercise widgets (ipywidgets), loaded only when first used.

- :func:`relationship_exercise` / :func:`block_exercise`: one question at a time, every
  choice saved to ``answers/<exercise_set>.json``; feedback in practice mode.
- :func:`segment_prioritiser`: weight size, growth and fit; a live ranking and chart.
- :func:`canvas_editor`: nine text areas laid out like the canvas, with a live picture.
- :func:`answers_download`: a button under an exercise that downloads its answer file.
- :func:`review`: the questions a learner missed, across every practice set, with spaced repetition.

Each builder returns the widget; the notebook displays it.
"""

from __future__ import annotations

from importlib import import_module

_LAZY = {
    "BlockExercise": "exercise",
    "RelationshipExercise": "exercise",
    "block_exercise": "exercise",
    "relationship_exercise": "exercise",
    "SegmentPrioritiser": "prioritiser",
    "segment_prioritiser": "prioritiser",
    "CanvasEditor": "editor",
    "canvas_editor": "editor",
    "AnswersDownload": "download",
    "answers_download": "download",
    "ReviewExercise": "review_widget",
    "review": "review_widget",
}

__all__ = [
    "AnswersDownload",
    "BlockExercise",
    "CanvasEditor",
    "RelationshipExercise",
    "ReviewExercise",
    "SegmentPrioritiser",
    "answers_download",
    "block_exercise",
    "canvas_editor",
    "relationship_exercise",
    "review",
    "segment_prioritiser",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bmclib.widgets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
