"""Engines started on loopback for the benchmarks: Milvus Lite's server and Oxigraph's server,
each on a free port with its data in a temporary folder removed afterwards."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _served(program: str, arguments: Callable[[int, str], list[str]], ready: Callable[[int], bool],
            ) -> Iterator[tuple[int, int]]:
    """(port, process id) of `program` (beside this Python, else on PATH) started with
    `arguments(port, folder)`, once `ready(port)`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix=f"stdkg-{program}-")
    binary = Path(sys.executable).with_name(program)
    proc = subprocess.Popen([str(binary) if binary.exists() else program, *arguments(port, folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not ready(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{program} did not start")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _answers(check: Callable[[], object]) -> bool:
    try:
        check()
        return True
    except Exception:   # noqa: BLE001 - any failure means: not up yet
        return False


@contextmanager
def milvus_lite() -> Iterator[tuple[str, int]]:
    """(URI, process id) of a `milvus-lite server`."""
    from pymilvus import MilvusClient

    def ready(port: int) -> bool:
        return _answers(lambda: MilvusClient(uri=f"http://127.0.0.1:{port}", timeout=1).list_collections())

    with _served("milvus-lite", lambda port, folder: ["server", "--data-dir", folder, "--host", "127.0.0.1",
                                                      "--port", str(port)], ready) as (port, pid):
        yield f"http://127.0.0.1:{port}", pid


@contextmanager
def oxigraph() -> Iterator[tuple[str, str]]:
    """(query URL, update URL) of an `oxigraph serve`."""
    import httpx

    def ready(port: int) -> bool:
        return _answers(lambda: httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"},
                                          timeout=1).raise_for_status())

    with _served("oxigraph", lambda port, folder: ["serve", "--location", folder, "--bind", f"127.0.0.1:{port}"],
                 ready) as (port, _):
        yield f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update"
