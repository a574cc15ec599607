"""The app under uvicorn on a free loopback port, in a thread (configured as `stdkg serve` does)."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app: Any) -> Iterator[tuple[str, int]]:
    """(host, port) of the app served until the block ends."""
    import uvicorn

    from api.serve import server_config

    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(10)
