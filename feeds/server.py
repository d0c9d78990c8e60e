"""`feeds serve`: the app under gunicorn (gthread workers), or Flask's reloader with --dev."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from feeds.web import create_app

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python: each worker builds its own app and in-memory site."""

    def __init__(self, config_path: Path, options: dict[str, Any]) -> None:
        self.config_path = config_path
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        _log_to_stderr()
        return create_app(self.config_path)


def serve(config_path: Path, host: str, port: int, workers: int, threads: int = 8) -> None:
    """Run gunicorn until SIGTERM or Ctrl-C."""
    _Gunicorn(
        config_path,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            "graceful_timeout": 3,
            "keepalive": 5,
            "proc_name": "feeds",
            "control_socket_disable": True,
        },
    ).run()


def serve_dev(config_path: Path, host: str, port: int) -> None:
    """Flask's development server with its code reloader."""
    _log_to_stderr()
    create_app(config_path).run(host=host, port=port, use_reloader=True)


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
