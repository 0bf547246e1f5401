"""Root pytest configuration: shared options, the nbval sanitize path, notebooks run in a
temporary working folder, and a check that the suite leaves the course folders as it found them."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
#: the folders students and instructors work in: a test run must add nothing to them
WATCHED = [ROOT / "notebooks" / lang for lang in ("en", "ko")] + [ROOT / "data"]


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/golden from the current output",
    )


def _tree(folders: list[Path]) -> set[str]:
    found = set()
    for folder in folders:
        for path in folder.rglob("*"):
            if "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
                found.add(str(path.relative_to(ROOT)))
    return found


def pytest_configure(config):
    # nbval resolves its sanitize file from the start folder; make it absolute (RECIPES.md)
    p = getattr(config.option, "nbval_sanitize_with", None)
    if p and not Path(p).is_absolute():
        config.option.nbval_sanitize_with = str(Path(config.rootpath, p))
    config._bmc_tree_before = _tree(WATCHED)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when tests or notebooks left files in the students' or the data folders."""
    before = getattr(session.config, "_bmc_tree_before", None)
    # xdist workers: the controller checks
    if before is None or hasattr(session.config, "workerinput"):
        return
    left = sorted(_tree(WATCHED) - before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the test run left files in the course folders:\n  " + "\n  ".join(left[:20])
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:  # pragma: no cover
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start each notebook's kernel in a fresh temporary working folder, as ``notebooks/build.py``
    does: a lesson run by nbval writes its answers, canvases and instructor files there, never into
    ``notebooks/*/``, and reads no answers of whoever runs the tests."""
    starts_kernel = (
        type(item).__name__ == "IPyNbCell" and getattr(item.parent, "kernel", None) is None
    )
    if not starts_kernel:
        yield
        return
    import nbval.plugin

    folder = tempfile.mkdtemp(prefix="bmc-notebook-run-")
    item.config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    original = nbval.plugin.RunningKernel

    def in_folder(*args, **kwargs):
        kwargs["cwd"] = folder
        return original(*args, **kwargs)

    nbval.plugin.RunningKernel = in_folder
    previous = os.environ.pop("BMC_ANSWERS_DIR", None)  # answers/ in the working folder
    try:
        yield
    finally:
        nbval.plugin.RunningKernel = original
        if previous is not None:
            os.environ["BMC_ANSWERS_DIR"] = previous
