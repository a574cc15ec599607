"""API fuzz run: schemathesis against the service's /openapi.json on loopback (the demo corpus,
the fake encoder and a test judge, so it needs no model), checking that no request gets a server
error. Bounded in examples and time; exits with schemathesis' status.

    pip install -e '.[bench]'; python bench/api_fuzz.py [--examples 30] [--seconds 600]
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    import httpx
    import uvicorn

    import api.checking
    from api.app import create_app
    from api.pipeline import DataDir, ingest
    from api.settings import Settings
    from search.check import Judge
    from search.encoder import FakeEncoder
    from tests.fakes import fake_judge_dict

    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=30, help="examples per operation")
    parser.add_argument("--seconds", type=int, default=600, help="time limit of the whole run")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="stdkg-fuzz-"))
    data = DataDir(root / "data")
    ingest([str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed")], data,
           ROOT / "corpus" / "framework" / "domains.ttl", encoder=FakeEncoder)
    judge = Judge.from_dict(fake_judge_dict(FakeEncoder.name))
    api.checking.judge_for = lambda name, models=None: judge
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(data_dir=data.root, token="fuzz-token"), encoder=FakeEncoder())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    command = [str(Path(sys.executable).with_name("st")), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
               "--max-examples", str(args.examples), "--workers", "2", "--no-color", "--request-timeout", "60"]
    try:
        return subprocess.run(command, timeout=args.seconds).returncode
    finally:
        server.should_exit = True


if __name__ == "__main__":
    sys.exit(main())
