"""The ZAP API transport: an engine that dies mid-answer is an EngineError (exit 3), never a crash."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from dast.engine.zap_api import ZaproxyApi
from dast.errors import EngineError


@pytest.fixture
def engine_dying_mid_answer() -> Iterator[str]:
    """A loopback 'engine' that starts a chunked answer and closes the connection half-way."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{"ver'
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_an_answer_that_breaks_off_is_an_engine_error(engine_dying_mid_answer: str) -> None:
    api = ZaproxyApi(engine_dying_mid_answer, "key-for-test", timeout_s=5)
    with pytest.raises(EngineError, match="the answer broke off"):
        api.version()
