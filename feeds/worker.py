"""The gunicorn worker of `feeds serve`: gthread, reading each request's head before a thread
takes it. The one importer of gunicorn (the supervisor in feeds.server runs it as a command).
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

# Seconds a client has to send a request line and headers, from its connection (or from its
# first byte on a kept-alive one); a feed reader sends them in one packet. nginx allows 60 s.
HEAD_TIMEOUT = 10.0
# A head this long without its end is refused (nginx's default headers fit in 32 KiB).
MAX_HEAD = 32 * 1024
_ENDS_OF_HEAD = (b"\n\r\n", b"\n\n")  # an empty line; gunicorn's parser says if it is valid
LINGER = 2.0  # seconds a refused client has to read the answer and close
_TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"


@dataclass(slots=True)
class _Head:
    """A request head being read by the main loop: its bytes so far and its deadline."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)
    refused: bool = False  # answered 431: what else comes is read and dropped until EOF
    polled: bool = False  # registered with the worker's poller, for more bytes


class HeadFirstWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker that reads each request's head before a thread sees it.

    gthread hands a connection to a thread as soon as it has a byte to read, and the thread
    reads the headers with no time limit: clients that send them a byte a second, or part
    of them and then nothing, hold a thread each as long as they like (16 of them stop
    2 workers of 8 threads). Here the worker's main loop reads the head itself from the
    non-blocking socket, with the connections it already polls, and queues the connection
    for a thread only once its head is complete (the bytes go back into gunicorn's parser,
    which parses and limits them as before). A head not complete within HEAD_TIMEOUT
    seconds, or longer than MAX_HEAD bytes, closes the connection without a thread ever
    waiting on it. Request bodies are not the concern here: the app reads none, and
    gunicorn drains an unread one for 5 s at most. For plain HTTP/1 only, as `feeds serve`
    configures gunicorn (no TLS, no h2c).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heads: dict[Any, _Head] = {}  # by gunicorn's connection (a TConn)
        self._complete: dict[Any, bytes] = {}  # heads read, waiting for their thread

    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.ECONNABORTED:
                raise
            return
        self.nr_conns += 1
        self._read_head(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn: Any, client: socket.socket) -> None:
        """A kept-alive connection's next request: its head is read the same way."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head(conn)

    def _read_head(self, conn: Any) -> None:
        """Read the head at once if it has come (a kept-alive connection's next request woke
        us with it; a new one's often follows its handshake), else as its bytes come."""
        conn.sock.setblocking(False)
        head = self._heads[conn] = _Head(time.monotonic() + HEAD_TIMEOUT)
        self._on_head_bytes(conn, conn.sock)
        if self._heads.get(conn) is head:  # neither complete nor dropped: wait for more
            head.polled = True
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self._on_head_bytes, conn)
            )

    def _on_head_bytes(self, conn: Any, _: socket.socket) -> None:
        head = self._heads[conn]
        try:
            data = conn.sock.recv(MAX_HEAD + 1 - len(head.data) if not head.refused else 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client went away, or read our 431 and closed
            self._drop(conn)
            return
        if head.refused:
            return
        # Search from a few bytes back: the end of the head may straddle two reads.
        tail = max(0, len(head.data) - 2)
        head.data += data
        if any(head.data.find(end, tail) >= 0 for end in _ENDS_OF_HEAD):
            self._forget(conn)
            self._complete[conn] = bytes(head.data)
            conn.data_ready = True  # gthread then reads at once instead of waiting for data
            self.enqueue_req(conn)
        elif len(head.data) > MAX_HEAD:
            # Closing with unread bytes would reset the connection, and the client might
            # never see the answer: end our side, read what comes until it closes its own.
            head.refused = True
            head.deadline = min(head.deadline, time.monotonic() + LINGER)
            with suppress(OSError):
                conn.sock.send(_TOO_LARGE)
                conn.sock.shutdown(socket.SHUT_WR)

    def handle(self, conn: Any) -> Any:
        """In a thread: gunicorn's own reading and answering, from the head already read."""
        data = self._complete.pop(conn, None)
        if data is not None:
            conn.init()  # makes gunicorn's parser of the connection (once per connection)
            conn.parser.unreader.unread(data)
        return super().handle(conn)

    def murder_pending(self) -> None:
        """Called by gunicorn's main loop about once a second: closes overdue heads (all of
        them when the worker stops)."""
        super().murder_pending()
        now = time.monotonic()
        late = [
            conn for conn, head in self._heads.items() if head.deadline <= now or not self.alive
        ]
        for conn in late:
            if self.alive and not self._heads[conn].refused:
                self.log.info("%s: no request head in %.0f s; closed", conn.client[0], HEAD_TIMEOUT)
            self._drop(conn)

    def _drop(self, conn: Any) -> None:
        self._forget(conn)
        self.nr_conns -= 1
        conn.close()

    def _forget(self, conn: Any) -> None:
        if self._heads.pop(conn).polled:
            self.poller.unregister(conn.sock)
