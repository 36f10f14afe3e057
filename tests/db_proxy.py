"""A local TCP proxy in front of the test database that can be frozen: it stops forwarding bytes.

A frozen proxy keeps every connection open and keeps accepting new ones, but passes nothing on in
either direction, as a database host that hangs (or a network that drops packets) does. Its own
kernel still acknowledges what it receives, so TCP keepalives and tcp_user_timeout see a live peer.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Self

import sqlalchemy as sa

CHUNK = 65536
POLL_S = 0.05  # how often the forwarding threads look at the frozen flag and the stop flag


class FreezableProxy:
    """Forwards 127.0.0.1:<port> to the database's host and port until frozen."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL_S)
        self.port = self._listener.getsockname()[1]
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @classmethod
    def for_url(cls, url: str) -> tuple[Self, str]:
        """A proxy in front of a database URL's host and port, and the URL through it."""
        target = sa.make_url(url)
        proxy = cls(target.host or "127.0.0.1", target.port or 5432)
        through = target.set(host="127.0.0.1", port=proxy.port)
        return proxy, through.render_as_string(hide_password=False)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                thread.start()
                self._threads.append(thread)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._stop.is_set():
            if self.frozen.is_set():  # read nothing: the bytes wait in the kernel's buffers
                self._stop.wait(POLL_S)
                continue
            ready, _w, _x = select.select([source], [], [], POLL_S)
            if not ready:
                continue
            try:
                data = source.recv(CHUNK)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def freeze(self) -> None:
        """Stop forwarding bytes (connections stay open, new ones are accepted)."""
        self.frozen.set()

    def thaw(self) -> None:
        """Forward bytes again."""
        self.frozen.clear()

    def close(self) -> None:
        """Stop and close every connection."""
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
