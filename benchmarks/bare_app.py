"""A bare Flask app serving one feed under gunicorn like `feeds serve`: the floor of its speed.

    python benchmarks/bare_app.py --body FILE --header 'ETag: "abc"' [--header ...] --port 8001

It answers one path with the body and the given headers (those `feeds serve` sent for it):
the bytes from memory, or with --sendfile the file opened for each request and sent with
gunicorn's sendfile, as `feeds serve` sends its files. It answers 304 when If-None-Match
contains the ETag; werkzeug drops the entity headers (Content-Type, Last-Modified) from
that 304, as it does for `feeds serve`. The gunicorn settings mirror feeds/server.py
(gthread, 8 threads, access log on stderr in the same format, keepalive 5; serve.py passes
feeds' own access log format).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication
from werkzeug.wsgi import wrap_file

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


def create_app(path: str, body: Path, headers: list[tuple[str, str]], *, sendfile: bool) -> Flask:
    app = Flask(__name__, static_folder=None)
    etag = dict(headers)["ETag"]
    data = body.read_bytes()

    @app.route(path)
    def feed() -> Response:
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers=headers)
        if not sendfile:
            return Response(data, headers=headers)
        file = body.open("rb")
        length = ("Content-Length", str(os.fstat(file.fileno()).st_size))
        return Response(
            wrap_file(request.environ, file), headers=[*headers, length], direct_passthrough=True
        )

    return app


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.app, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--body", type=Path, required=True, help="file with the bytes to serve")
    parser.add_argument(
        "--header", action="append", required=True, help="'Name: value'; one must be ETag"
    )
    parser.add_argument("--path", default="/feeds/all.atom.xml")
    parser.add_argument("--sendfile", action="store_true", help="send the file, not bytes")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--access-log-format", default=ACCESS_LOG_FORMAT, help="gunicorn's")
    args = parser.parse_args()
    headers = [(name, value.strip()) for name, _, value in (h.partition(":") for h in args.header)]
    app = create_app(args.path, args.body, headers, sendfile=args.sendfile)
    options = {
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "accesslog": "-",
        "access_log_format": args.access_log_format,
        "errorlog": "-",
        "graceful_timeout": 3,
        "keepalive": 5,
        "proc_name": "bare-flask",
        "control_socket_disable": True,
    }
    Server(app, options).run()


if __name__ == "__main__":
    main()
