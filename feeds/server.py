"""`feeds serve`: a supervisor of one builder process and gunicorn's workers.

The builder (feeds.builder) keeps the output folder current; gunicorn's workers serve that
folder through the Flask app (feeds.web), so their memory does not grow with the archive and
a change is built once for all of them. The supervisor starts the builder, waits for its
first build, starts gunicorn, restarts the builder if it dies, and stops both on SIGTERM or
Ctrl-C. With --dev, Flask's development server runs with the builder in a thread.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from feeds.builder import run_serving, serving
from feeds.files import available_cpus

LOG = logging.getLogger("feeds")
# The size from Content-Length: gunicorn counts no bytes for a file it sends with sendfile.
ACCESS_LOG_FORMAT = '%(p)s %(h)s "%(r)s" %(s)s %({content-length}o)s %(M)sms "%(a)s"'
# gunicorn's settings (gthread workers that read request heads in their main loop, see
# feeds.worker: 8 threads each, for a 2-core machine).
GUNICORN = [
    "--worker-class=feeds.worker.HeadFirstWorker",
    "--threads=8",
    "--access-logfile=-",
    f"--access-logformat={ACCESS_LOG_FORMAT}",
    "--error-logfile=-",
    "--graceful-timeout=3",
    "--keep-alive=5",
    "--name=feeds",
    "--no-control-socket",
]
RESTART_PAUSE = 1.0  # seconds before a builder that died is started again


class _Stop(Exception):
    """SIGTERM or SIGINT reached the supervisor."""


def serve(config_path: Path, host: str, port: int, workers: int) -> int:
    """Run the builder and gunicorn until SIGTERM or Ctrl-C; gunicorn's exit status."""
    _log_to_stderr()
    config = str(config_path.resolve())

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    builder = gunicorn = None
    try:
        builder = _start_builder(config, ready=True)
        app = f"feeds.web:create_app({config!r}, build=False)"
        options = [*GUNICORN, f"--bind={host}:{port}", f"--workers={workers}"]
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, app])
        while True:
            pid, status = os.wait()
            if pid == gunicorn.pid:
                gunicorn.returncode = os.waitstatus_to_exitcode(status)
                return gunicorn.returncode
            if pid == builder.pid:
                builder.returncode = os.waitstatus_to_exitcode(status)
                LOG.error("the builder stopped (%s); starting it again", _how(status))
                time.sleep(RESTART_PAUSE)
                builder = _start_builder(config, ready=False)
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in (gunicorn, builder):
            if child is not None and child.returncode is None:
                child.terminate()
        for child in (gunicorn, builder):
            if child is not None:
                _reap(child)


def _start_builder(config: str, *, ready: bool) -> subprocess.Popen[bytes]:
    """The builder process; with `ready`, return once its first build is done (or failed)."""
    command = [sys.executable, "-m", "feeds.builder", config, f"--workers={available_cpus()}"]
    if not ready:
        return subprocess.Popen(command)
    read, write = os.pipe()
    try:
        builder = subprocess.Popen([*command, f"--ready-fd={write}"], pass_fds=(write,))
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as pipe:
        pipe.read(1)  # a byte when ready, or nothing when the builder exits first
    return builder


def _reap(child: subprocess.Popen[bytes]) -> None:
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    except ChildProcessError:  # already reaped by os.wait
        pass


def _how(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"signal {-code}" if code < 0 else f"exit status {code}"


def serve_dev(config_path: Path, host: str, port: int) -> None:
    """Flask's development server with its code reloader, and the builder in a thread."""
    from feeds.web import create_app

    _log_to_stderr()
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloader's child, which serves
        builder, push = serving(config_path)
        threading.Thread(
            target=run_serving, args=(builder, push), name="feeds-builder", daemon=True
        ).start()
    # The stat reloader looks at the imported modules' files every second. Werkzeug's
    # watchdog reloader (taken when watchdog is installed, as here) watches the interpreter's
    # and site-packages' trees recursively: inotify's queue overflowed at every start, with a
    # warning per tree (a bare Flask app gives them too).
    app = create_app(config_path, build=False)
    app.run(host=host, port=port, use_reloader=True, reloader_type="stat")


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
