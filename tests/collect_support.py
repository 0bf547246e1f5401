"""What the collect tests share: a two-item key, answer files written by hand (as the contract
shows them) and an autouse fixture that runs each test in a fresh folder with no student or hub
variables set (each test module's autouse fixture calls :func:`enter_fresh_folder`)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

KEY_TEXT = (
    "exercise_set,item_id,best,acceptable,points\n"
    "quiz,a,self_service,communities,1\n"
    "quiz,b,co_creation,,2\n"
)
RIGHT = {"a": "self_service", "b": "co_creation"}
WRONG = {"a": "co_creation", "b": "self_service"}


def enter_fresh_folder(tmp_path: Path, monkeypatch) -> Path:
    """Work in ``tmp_path`` with ``key.csv`` and no student or hub variables (for a module's
    autouse fixture)."""
    for name in ("BMC_STUDENT_ID", "BMC_ANSWERS_DIR", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    Path("key.csv").write_text(KEY_TEXT, encoding="utf-8")
    return tmp_path


def answer_file(student: str, answers: dict, saved: str) -> bytes:
    """The bytes of an answer file of the set ``quiz``."""
    return json.dumps(
        {
            "format": "bmclib-answers",
            "version": 1,
            "student_id": student,
            "exercise_set": "quiz",
            "answers": answers,
            "saved_at": saved,
        }
    ).encode()


def put(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class JSONHandler(BaseHTTPRequestHandler):
    """A fake hub's or server's request handler: keep-alive, quiet, answers in JSON."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, obj, code=200):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
