"""A network ESC/POS printer on 127.0.0.1 that answers real-time status queries.

It answers ``DLE EOT 1`` (printer status), ``2`` (offline cause) and ``4`` (paper
sensor) the way an Epson TM printer does, and can misbehave: stay silent, or drop the connection.
"""

from __future__ import annotations

import socket
import struct
import threading

DLE_EOT = b"\x10\x04"
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x7E  # DLE EOT 4
ONLINE, OFFLINE = 0x12, 0x1A  # DLE EOT 1
NO_CAUSE, COVER_OPEN = 0x12, 0x16  # DLE EOT 2


class FakePrinter:
    """Serve connections until stopped; ``received`` holds every byte of every connection."""

    def __init__(self, paper: int = PAPER_OK, online: int = ONLINE, cause: int = NO_CAUSE,
                 behaviour: str = "normal", drop_after: int = 200) -> None:
        self.answers = {1: online, 2: cause, 4: paper}
        self.behaviour, self.drop_after = behaviour, drop_after
        self.received = bytearray()
        self.connections = 0
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                break
            self.connections += 1
            with conn:
                self._talk(conn)
            self._done.set()
        self._server.close()

    def _reset(self, conn: socket.socket) -> None:
        # SO_LINGER 0: close() sends RST, like a printer that lost power or its link
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        scanned = 0
        start = len(self.received)
        answered = 0
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if not chunk:
                return
            self.received += chunk
            mine = self.received[start:]
            if self.behaviour == "drop_mid_job" and answered and len(mine) > 3 * answered + self.drop_after:
                self._reset(conn)
                return
            while (pos := mine.find(DLE_EOT, scanned)) != -1 and pos + 2 < len(mine):
                n = mine[pos + 2]
                scanned = pos + 3
                if self.behaviour == "silent":
                    continue
                if self.behaviour == "drop_on_status":
                    self._reset(conn)
                    return
                if n in self.answers:
                    conn.sendall(bytes([self.answers[n]]))
                answered += 1

    def wait_for_job(self, timeout: float = 5.0) -> bool:
        """Wait until a client has closed its connection."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)


def refused_port() -> int:
    """A local port nobody listens on (connecting is refused at once)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
