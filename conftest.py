"""Root pytest configuration: shared options and the nbval sanitize path."""

from pathlib import Path


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden files in tests/golden from the current output")


def pytest_configure(config):
    # nbval resolves its sanitize file from the start folder; make it absolute (RECIPES.md)
    p = getattr(config.option, "nbval_sanitize_with", None)
    if p and not Path(p).is_absolute():
        config.option.nbval_sanitize_with = str(Path(config.rootpath, p))
