"""How a data directory is written: atomic files, build directories switched in by a pointer,
pruning, and the one lock that makes catalog, graph and index a single transaction.

Every write goes to a temporary name, is flushed to disk, renamed into place, and its directory
is flushed too, so a crash at any point leaves the previous state readable. Builds (the graph's
store, the search index) are made in `.building-*` directories and published by replacing a
small pointer file. Only a holder of the data directory's lock writes, so a `.building-*`
directory seen under the lock was left by a killed writer and is removed."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import random
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from ingest.errors import StdkgError

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 600.0   # seconds a writer waits for another before giving up


class LockTimeout(StdkgError):
    """Another writer held the data directory for longer than the caller would wait."""


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (a rename or a new file in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a flushed temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"))


def new_build(root: Path, prefix: str) -> tuple[Path, str]:
    """A fresh `.building-<name>` directory under `root` and the name it will be published as."""
    root.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}{time.strftime('%Y%m%dT%H%M%S')}-{time.monotonic_ns() % 10**9:09d}"
    building = root / f".building-{name}"
    building.mkdir()
    return building, name


def publish(building: Path, name: str, pointer: Path, info: dict[str, Any]) -> Path:
    """Flush a finished build, give it its name and make `pointer` name it; returns its directory."""
    for path in building.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(building)
    target = building.parent / name
    building.rename(target)
    fsync_dir(building.parent)
    write_json(pointer, info)
    return target


def prune_builds(root: Path, prefix: str, current: str, keep: int = 2) -> None:
    """Remove old builds `<prefix>*` except the newest `keep` (the current one among them, so a
    reader that opened the previous build can finish) and every `.building-*` directory: call it
    under the data directory's lock, where no other writer can be building."""
    builds = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith(prefix))
    kept = set(builds[-keep:]) | {current}
    for name in builds:
        if name not in kept:
            shutil.rmtree(root / name, ignore_errors=True)
    for path in root.glob(".building-*"):
        shutil.rmtree(path, ignore_errors=True)


LEASE_SECONDS = 120.0   # a writers' lease shared by machines lasts this long unless renewed


@contextmanager
def lease_held(take: Callable[[str, float], tuple[str, str] | None], release: Callable[[str], None], what: str,
               seconds: float = LEASE_SECONDS, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold a lease that several machines share (`take(holder, seconds)` returns None when the
    lease is the holder's, else who holds it and until when), renewed every third of its length
    while the block runs and released after it. A holder that dies frees it when it expires."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + timeout
    while (held := take(holder, seconds)) is not None:
        if time.monotonic() > deadline:
            raise LockTimeout(f"{what} has been held by {held[0]} (until {held[1]}) for over {timeout:g} s; "
                              "try again when that writer is done")
        time.sleep(random.uniform(0.25, 0.75))   # writers that collided do not retry in step
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                if take(holder, seconds) is not None:
                    log.warning("the lease on %s was taken over by another writer", what)
            except Exception:   # noqa: BLE001 - a failed renewal is retried; the lease lasts `seconds`
                log.warning("renewing the lease on %s failed", what, exc_info=True)

    renewer = threading.Thread(target=renew, name="stdkg-lease", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        release(holder)


class DirectoryLock:
    """An exclusive lock on a data directory across processes (flock on DIR/.lock), re-entrant
    within a process: a writer that holds it may call code that takes it again."""

    _held: dict[str, tuple[threading.RLock, list[int]]] = {}
    _guard = threading.Lock()

    def __init__(self, root: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.root = Path(root)
        self.timeout = timeout

    @contextmanager
    def held(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        key = str(self.root.resolve())
        with DirectoryLock._guard:
            local, depth = DirectoryLock._held.setdefault(key, (threading.RLock(), [0]))
        if not local.acquire(timeout=self.timeout):
            raise LockTimeout(f"another writer in this process has held {self.root} for over {self.timeout:g} s; "
                              "try again when it is done")
        try:
            with ExitStack() as stack:
                if depth[0] == 0:   # the outermost holder in this process takes the file lock
                    stack.enter_context(self._process_lock())
                depth[0] += 1
                try:
                    yield
                finally:
                    depth[0] -= 1
        finally:
            local.release()

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        path = self.root / ".lock"
        with open(path, "a+") as fh:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        fh.seek(0)
                        holder = fh.read().strip() or "another process"
                        raise LockTimeout(f"{self.root} is being written by {holder} for over {self.timeout:g} s; "
                                          "wait for that ingest to finish (or stop it), then run this again") from None
                    time.sleep(0.05)
            try:
                fh.seek(0)
                fh.truncate()
                fh.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
                fh.flush()
                yield
            finally:
                fh.seek(0)
                fh.truncate()
                fh.flush()
                fcntl.flock(fh, fcntl.LOCK_UN)
