"""Voila as ``bmc app`` runs it: answers only requests addressed to this computer itself.

Voila's own server accepts any Host header (``allow_remote_access``), so a web page on another
site could reach it through DNS rebinding. Here the Host must be a loopback address or
``localhost``; with the token that :func:`bmclib.app.run_app` sets, only the page the student
opened from the printed address can drive their exercise.
"""

from __future__ import annotations

from voila.app import Voila


class LoopbackVoila(Voila):
    """Voila with Jupyter's usual Host check turned back on."""

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        return settings


main = LoopbackVoila.launch_instance

if __name__ == "__main__":  # pragma: no cover - run as `python -m bmclib.voila_app`
    main()
