"""Voila as ``bmc app`` runs it: private, quiet, capped, and in the student's language.

- Voila's own server accepts any Host header (``allow_remote_access``), so a web page on another
  site could reach it through DNS rebinding. Here the Host must be a loopback address or
  ``localhost``.
- The page token comes from the environment (``BMC_APP_TOKEN``, removed from this process's
  environment at once, so kernels never see it), never from the command line, which every local
  user can read in ``/proc/<pid>/cmdline``. Without the variable Voila makes up a token and prints
  it (a run by hand).
- A page opened without the token, or with a wrong one, gets a short page of ours (HTTP 403) in the
  app's language (``BMC_APP_LANG``) saying how to open the app, not Jupyter's English login form.
- At most ``CappedKernelManager.max_kernels`` kernels run at once; a page beyond that gets a short
  page (HTTP 503) saying what to do, and no kernel.
- The page speaks the app's language while it loads: the spinner text and the widgets'
  placeholder come from the message catalogue (two small macro files in ``app_templates/`` take
  the place of Voila's spinner and its ``voila_process`` / ``voila_finish`` hooks); the tab title
  (``BMC_APP_TITLE``, see :func:`bmclib.app.app_title`) and ``<html lang>`` go in through Voila's
  ``VoilaConfiguration.resources``, which the page template reads.
- Voila's template files (``/voila/templates/<template>/static/<file>``) are served only for a
  path of that shape inside the template: any other path (``/voila/templates/``, ``..``) gets a
  plain 404, not a server error with a traceback on the student's terminal.
- Voila's notice that the notebook is not trusted (the app notebook is ours, and its outputs are
  made by our own code) is dropped from the log.
"""

from __future__ import annotations

import logging
import os
from html import escape
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

from .i18n import Msg

#: the environment variable that carries the page token from ``bmc app`` to this process
TOKEN_VARIABLE = "BMC_APP_TOKEN"
#: templates that take the place of Voila's own (the loading texts), found before Voila's
TEMPLATES = Path(__file__).resolve().parent / "app_templates"


def app_lang() -> str:
    """The app's language: ``BMC_APP_LANG`` if it is ``en`` or ``ko``, else English."""
    lang = os.environ.get("BMC_APP_LANG", "")
    return lang if lang in ("en", "ko") else "en"


def notice_page(lang: str, title_key: str, body_key: str, **fields) -> str:
    """A small self-contained HTML page (no scripts, no form) with a heading and one paragraph.

    >>> page = notice_page("ko", "app.denied_title", "app.denied_body")
    >>> page.startswith("<!DOCTYPE html>") and '<html lang="ko">' in page and "<form" not in page
    True
    """
    title = escape(Msg(title_key).text(lang))
    body = escape(Msg(body_key, **fields).text(lang))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{title}</title>"
        "<style>body { font-family: system-ui, 'BMC Gothic', sans-serif; max-width: 40em; "
        "margin: 4em auto; padding: 0 1em; line-height: 1.6; color: #222; }</style></head>\n"
        f'<body><h1>{title}</h1>\n<p class="bmc-notice">{body}</p></body>\n</html>\n'
    )


def _write_notice(
    handler: web.RequestHandler, status: int, title_key: str, body_key: str, **fields
) -> None:
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    handler.finish(notice_page(app_lang(), title_key, body_key, **fields))


class DeniedHandler(JupyterHandler):
    """Takes the place of Jupyter's login page: a page opened without the right token lands here."""

    @allow_unauthenticated
    def get(self, *_args) -> None:
        _write_notice(self, 403, "app.denied_title", "app.denied_body")

    post = get

    def write_error(self, status_code: int, **kwargs) -> None:  # a bad Host or form post: same page
        _write_notice(self, status_code, "app.denied_title", "app.denied_body")


class AppPageHandler(TornadoVoilaHandler):
    """Voila's page handler, answering 403 with our page (no redirect to a login form) to a
    request without the token, and 503 with our page when the kernel cap is reached."""

    def get_login_url(self) -> str:
        raise web.HTTPError(403)

    def write_error(self, status_code: int, **kwargs) -> None:
        if status_code == 403:
            _write_notice(self, 403, "app.denied_title", "app.denied_body")
        else:
            super().write_error(status_code, **kwargs)

    @web.authenticated
    async def get(self, path=None):
        manager = self.kernel_manager
        cap = getattr(manager, "max_kernels", 0)
        if cap and len(manager.list_kernel_ids()) >= cap:
            _write_notice(self, 503, "app.full_title", "app.full_body", count=cap)
            return
        await super().get(path=path)


class SafeTemplateStaticFileHandler(TemplateStaticFileHandler):
    """Voila's handler of template files, answering 404 to a path that is not
    ``<template>/static/<file>`` inside the template (Voila asserts the shape and fails with a
    server error and a traceback; ``..`` reached its assertion too, though it never read a file).

    >>> parts = SafeTemplateStaticFileHandler.checked_parts
    >>> parts("lab/static/voila.js")
    ('lab', 'static', 'voila.js')
    >>> parts("lab/static/../../../../etc/passwd")
    Traceback (most recent call last):
    ...
    tornado.web.HTTPError: HTTP 404: Not Found
    """

    @staticmethod
    def checked_parts(path: str) -> tuple[str, str, str]:
        parts = path.replace("\\", "/").split("/")
        if (
            len(parts) < 3
            or parts[1] != "static"
            or not parts[0]
            or not parts[-1]
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise web.HTTPError(404)
        return parts[0], parts[1], "/".join(parts[2:])

    def parse_url_path(self, path: str) -> str:
        self.checked_parts(path)
        return super().parse_url_path(path)

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        cls.checked_parts(path.replace(os.sep, "/"))
        return super().get_absolute_path(root, path)


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with a cap on how many kernels run at once (0: no cap)."""

    #: the most kernels that run at once (0: no limit)
    max_kernels = Integer(0, config=True)

    async def start_kernel(self, *args, **kwargs):
        if (
            kwargs.get("kernel_id") not in self
            and self.max_kernels
            and len(self.list_kernel_ids()) >= self.max_kernels
        ):
            raise web.HTTPError(503, "kernel limit reached")
        return await super().start_kernel(*args, **kwargs)


def _log_request(handler: web.RequestHandler) -> None:
    """Tornado's request log, with refused pages (4xx) kept out of the terminal: the student sees
    our page; only server errors (5xx) are shown."""
    status = handler.get_status()
    log = logging.getLogger("tornado.access")
    level = logging.ERROR if status >= 500 else logging.DEBUG
    log.log(
        level,
        "%d %s %.2fms",
        status,
        handler._request_summary(),
        1000.0 * handler.request.request_time(),
    )


class _DropUntrustedNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "is not trusted" not in record.getMessage()


class _QuietRefusals(logging.Filter):
    """Refused requests (4xx: a path outside the static folders, a file not allowlisted) stay out
    of the terminal, where anyone who can reach the port could otherwise write lines; whatever is
    printed has its control characters escaped, so no request can send terminal codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if args and isinstance(args[0], int) and 400 <= args[0] < 500:
            return False
        message = record.getMessage()
        if any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) < 0xA0 for c in message):
            record.msg = "".join(
                c if c in "\n\t" or not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) else repr(c)[1:-1]
                for c in message
            )
            record.args = ()
        return True


class LoopbackVoila(Voila):
    """Voila with Jupyter's usual Host check turned back on, and the changes listed above."""

    def initialize(self, argv=None):
        token = os.environ.pop(TOKEN_VARIABLE, None)
        if token:
            self.token = token
        else:
            self.auto_token = True
        lang = app_lang()
        resources = {"bmc_loading": Msg("app.page_loading").text(lang)}  # app_templates/ show it
        if os.environ.get("BMC_APP_TITLE"):
            resources["metadata"] = {"name": os.environ["BMC_APP_TITLE"]}  # the page's <title>
        self.config.VoilaConfiguration.resources = resources
        self.config.HTMLExporter.language_code = lang  # <html lang=...>
        super().initialize(argv)
        logging.getLogger(self.log.name).addFilter(_DropUntrustedNotice())
        self.log.addFilter(_DropUntrustedNotice())
        for name in ("tornado.general", "tornado.application", "tornado.access", self.log.name):
            logging.getLogger(name).addFilter(_QuietRefusals())
        self.log.addFilter(_QuietRefusals())

    def setup_template_dirs(self) -> None:
        super().setup_template_dirs()
        self.template_paths = [str(TEMPLATES), *self.template_paths]

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        settings["log_function"] = _log_request
        return settings

    def init_handlers(self) -> list:
        handlers = []
        for spec in super().init_handlers():
            pattern, handler = spec[0], spec[1]
            if handler is TornadoVoilaHandler:
                spec = (pattern, AppPageHandler, *spec[2:])
            elif handler is TemplateStaticFileHandler:
                spec = (pattern, SafeTemplateStaticFileHandler, *spec[2:])
            elif pattern in ("/login", "/logout"):
                spec = (pattern, DeniedHandler, *spec[2:])
            handlers.append(spec)
        return handlers


main = LoopbackVoila.launch_instance

if __name__ == "__main__":  # pragma: no cover - run as `python -m bmclib.voila_app`
    main()
