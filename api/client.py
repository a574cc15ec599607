"""The CLI's way to a running `stdkg serve`: its model is loaded, so a query answers at once.

`stdkg serve` writes `server.json` (address and process id) into its data directory and removes
it on exit. A command finds the server through that file, and uses it only if the process is
alive and its /healthz says it serves the same data directory; otherwise it works locally.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ingest.errors import StdkgError

SERVER_FILE = "server.json"
PROBE_SECONDS = 0.5
ANSWER_SECONDS = 300.0   # a draft check of a long draft takes minutes on a busy machine


class ServerError(StdkgError):
    """The server answered with an error; the message is its own."""


def announce(data_dir: Path, url: str) -> Path:
    """Record this process as the server of data_dir (serve calls it before listening)."""
    path = Path(data_dir) / SERVER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid(), "data": str(Path(data_dir).resolve())}),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def withdraw(data_dir: Path) -> None:
    """Remove the record if it is this process's (another server may have taken over)."""
    path = Path(data_dir) / SERVER_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, another user's
        return True
    return True


def find_server(data_dir: Path) -> str | None:
    """The address of a live server of data_dir, or None."""
    try:
        record = json.loads((Path(data_dir) / SERVER_FILE).read_text(encoding="utf-8"))
        url, pid = str(record["url"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(pid):
        return None
    import httpx

    try:
        health = httpx.get(f"{url}/healthz", timeout=PROBE_SECONDS).json()
    except (httpx.HTTPError, ValueError):
        return None
    same = health.get("data") == str(Path(data_dir).resolve()) and health.get("status") == "ok"
    return url if same else None


def _answer(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"error": response.text[:200]}
    if response.status_code >= 400:
        message = body.get("error") or body.get("detail") or response.reason_phrase
        raise ServerError(f"the server answered {response.status_code}: {message}")
    return body


def get(url: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    import httpx

    query = {k: v for k, v in params.items() if v is not None}
    return _answer(httpx.get(f"{url}{path}", params=query, timeout=ANSWER_SECONDS))


def check(url: str, draft: Path, status: str) -> dict[str, Any]:
    import httpx

    with draft.open("rb") as fh:
        response = httpx.post(f"{url}/api/check", params={"status": status},
                              files={"file": (draft.name, fh)}, timeout=ANSWER_SECONDS)
    return _answer(response)
