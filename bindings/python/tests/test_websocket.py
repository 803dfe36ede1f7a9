"""WebSocket under the Network capability, from Python: a plugin's exchange with a
local server works when the host is listed in ``allowed_hosts``, is refused (and never
connects) when it is not, and the plugin keeps working after a refusal.

The server is a few lines of the standard library: it completes the RFC 6455
handshake, reads one masked text frame and answers it with ``echo: <text>``."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

import conductor_midi as conductor

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class EchoServer:
    """Answers each connection's first text message with ``echo: <text>``; counts the
    connections it accepted."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    self.exchange(conn)
                except OSError:
                    pass

    @staticmethod
    def read_exact(conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def exchange(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        head = self.read_exact(conn, 2)
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.read_exact(conn, 2), "big")
        elif length == 127:
            length = int.from_bytes(self.read_exact(conn, 8), "big")
        mask = self.read_exact(conn, 4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.read_exact(conn, length)))
        reply = b"echo: " + payload
        conn.sendall(bytes([0x81, len(reply)]) + reply)
        # A close frame, then wait for the client's.
        conn.sendall(bytes([0x88, 0]))
        try:
            self.read_exact(conn, 2)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[EchoServer]:
    s = EchoServer()
    yield s
    s.close()


def test_an_allowed_exchange_sends_and_receives(
    server: EchoServer, wasm: Callable[[str], Path], lines: list[str]
) -> None:
    url = f"ws://127.0.0.1:{server.port}/"
    with conductor.Plugin(wasm("websocket-plugin"), allowed_hosts=["127.0.0.1"], on_output=lines.append) as plugin:
        plugin.execute({"url": url, "send": ["hello"], "receive": 1, "timeout_ms": 5000})
    assert any(line.endswith("received text: echo: hello") for line in lines), lines
    assert server.connections == 1


def test_a_host_not_allowed_is_refused_without_connecting(
    server: EchoServer, wasm: Callable[[str], Path], lines: list[str]
) -> None:
    url = f"ws://127.0.0.1:{server.port}/"
    with conductor.Plugin(wasm("websocket-plugin"), allowed_hosts=["example.com"], on_output=lines.append) as plugin:
        with pytest.raises(conductor.PluginError) as error:
            plugin.execute({"url": url, "send": ["hello"], "timeout_ms": 5000})
        # The plugin returns 10 + the host's code: -3 is "denied".
        assert error.value.code == 13
        # And it keeps working.
        with pytest.raises(conductor.PluginError):
            plugin.execute({"url": url, "send": ["again"], "timeout_ms": 5000})
    assert server.connections == 0
    assert any("exchange failed" in line for line in lines), lines
