"""External engines started on loopback for integration tests: Oxigraph's server, Virtuoso and
Milvus Lite's server."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from servers import free_port

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")   # Debian's virtuoso-opensource


def _wait(url: str, proc: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.2)


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def virtuoso_available() -> bool:
    return VIRTUOSO_INI.is_file() and shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[tuple[str, str]]:
    """(query URL, update URL) of `oxigraph serve` storing in folder."""
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary() or "oxigraph", "serve", "--location", str(folder),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/query", proc, "the oxigraph server")
        yield f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[tuple[str, str]]:
    """(query URL, update URL) of a Virtuoso with its database in folder; the anonymous SPARQL
    user may update (as a deployment behind its own access control would allow stdkg)."""
    sql_port, http_port = free_port(), free_port()
    ini = VIRTUOSO_INI.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111\b", rf"ServerPort\g<1>= {sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890\b", rf"ServerPort\g<1>= {http_port}", ini)
    ini = re.sub(r"(?m)^DirsAllowed(\s*)=\s*", rf"DirsAllowed\g<1>= {folder}, ", ini)
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        _wait(url, proc, "virtuoso", seconds=120)
        subprocess.run(["isql-vt", str(sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, capture_output=True, timeout=60)
        yield url, url
    finally:
        proc.terminate()
        proc.wait(30)


def milvus_binary() -> str | None:
    beside = Path(sys.executable).with_name("milvus-lite")
    return str(beside) if beside.exists() else shutil.which("milvus-lite")


@contextmanager
def milvus_server(folder: Path) -> Iterator[str]:
    """The URI of `milvus-lite server` storing in folder (the gRPC API of a Milvus cluster)."""
    from pymilvus import MilvusClient

    port = free_port()
    proc = subprocess.Popen([milvus_binary() or "milvus-lite", "server", "--data-dir", str(folder),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                MilvusClient(uri=uri, timeout=1).list_collections()
                break
            except Exception:   # noqa: BLE001 - any failure means: not up yet
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the milvus-lite server did not start") from None
                time.sleep(0.2)
        yield uri
    finally:
        proc.terminate()
        proc.wait(10)
