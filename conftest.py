"""Root pytest configuration: shared options, the nbval sanitize path, and an empty answers
folder for every notebook nbval runs."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden files in tests/golden from the current output")


def pytest_configure(config):
    # nbval resolves its sanitize file from the start folder; make it absolute (RECIPES.md)
    p = getattr(config.option, "nbval_sanitize_with", None)
    if p and not Path(p).is_absolute():
        config.option.nbval_sanitize_with = str(Path(config.rootpath, p))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start each notebook's kernel with a fresh, empty answers folder (``BMC_ANSWERS_DIR``), so a
    lesson run by nbval never reads or writes ``notebooks/*/answers/`` and always shows the
    "nothing answered yet" progress stored in it. The variable is set only while the kernel starts."""
    starts_kernel = type(item).__name__ == "IPyNbCell" and getattr(item.parent, "kernel", None) is None
    if not starts_kernel:
        yield
        return
    folder = tempfile.mkdtemp(prefix="bmc-notebook-answers-")
    item.config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    previous = os.environ.get("BMC_ANSWERS_DIR")
    os.environ["BMC_ANSWERS_DIR"] = folder
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("BMC_ANSWERS_DIR", None)
        else:
            os.environ["BMC_ANSWERS_DIR"] = previous
