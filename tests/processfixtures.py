"""`python -m feeds` as a child process: its exit status, stderr lines and peak memory.

Also a way to take away root's power to read and write any file, so that a test of file
permissions means the same as root (in a container, in CI) as it does for a user.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# prctl(2) option and capabilities(7) numbers: what lets root ignore file permissions.
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def as_a_user() -> None:
    """Run in the child before exec: for root, drop the capabilities that bypass file
    permissions, so that mode 000 or a read-only folder stops it as it stops a user.

    A root without the right to drop them (rare) keeps them: `permissions_bind` tells.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)


def permissions_bind(path: Path, mode: int = os.R_OK) -> bool:
    """True if a child started with `as_a_user` is refused `mode` (os.R_OK, os.W_OK) on `path`."""
    probe = subprocess.run(
        [sys.executable, "-S", "-c", _ACCESS, str(path), str(mode)],
        preexec_fn=as_a_user,
        check=False,
    )
    return probe.returncode != 0


_ACCESS = "import os, sys; sys.exit(not os.access(sys.argv[1], int(sys.argv[2])))"


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished child: exit status, stderr lines and peak resident memory in MB."""

    code: int
    stderr: list[str]
    peak_mb: float


def feeds_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "feeds", *args]


def child_environment() -> dict[str, str]:
    """Our environment less TZ and LC_ALL, as an operator's shell would have it."""
    return {key: value for key, value in os.environ.items() if key not in {"TZ", "LC_ALL"}}


# The measured command runs under this small parent, which prints its peak memory: a child's
# ru_maxrss also counts the memory of the process it was forked from, and pytest may hold
# hundreds of MB by then.
_MEASURE = """\
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_feeds(
    cwd: Path, *args: str, preexec: Callable[[], None] | None = as_a_user, timeout: float = 60
) -> Finished:
    """`python -m feeds ARGS` in `cwd`, its peak memory measured; fails on a traceback."""
    with subprocess.Popen(
        [sys.executable, "-c", _MEASURE, *feeds_command(*args)],
        cwd=cwd,
        env=child_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
        start_new_session=True,  # one process group: a timeout kills the command too
    ) as process:
        try:
            peak_kb, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert "Traceback" not in errors, errors
    return Finished(process.returncode, errors.splitlines(), int(peak_kb) / 1024)
