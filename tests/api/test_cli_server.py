"""The CLI starts without the engines, and asks a running server of its data directory when there is one."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api import cli, client
from api.app import create_app
from api.settings import Settings
from servers import running


def test_parsing_a_command_line_loads_no_engine():
    probe = ("import sys; from api.cli import build_parser; build_parser().parse_args(['search', 'x']); "
             "heavy = ('numpy', 'rdflib', 'onnxruntime', 'faiss', 'lightgbm', 'fastapi', 'pydantic_settings', "
             "'search.engine', 'kg.store'); print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "[]"


def test_the_cli_choices_are_the_engines_own():
    from kg.store import EXPORT_FORMATS
    from search.engine import MODES

    assert set(cli.MODES) == set(MODES) and set(cli.EXPORT_FORMATS) == set(EXPORT_FORMATS)


@pytest.fixture
def data(tmp_path, demo_index) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(demo_index.root, copy)
    return copy


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_search_and_covers_are_answered_by_the_running_server(data, fake_encoder, capsys, monkeypatch):
    query = ("护理员配比", "--data", str(data), "--mode", "keyword", "-k", "3", "--json")
    _, local, _ = run(capsys, "search", *query)
    _, local_covers, _ = run(capsys, "covers", *query)
    with running(create_app(Settings(data_dir=data), encoder=fake_encoder)) as (host, port):
        client.announce(data, f"http://{host}:{port}")
        assert client.find_server(data) == f"http://{host}:{port}"

        def no_local_work(_args):
            raise AssertionError("the CLI worked locally although a server was up")

        monkeypatch.setattr(cli, "_retriever", no_local_work)
        code, served, _ = run(capsys, "search", *query)
        assert code == 0 and json.loads(served) == json.loads(local)
        code, served_covers, _ = run(capsys, "covers", *query)
        assert code == 0 and json.loads(served_covers) == json.loads(local_covers)
        code, _, err = run(capsys, "search", "x" * 1001, "--data", str(data), "--mode", "keyword")
        assert code == 2 and "the server answered 422" in err   # its error, said as it said it
        monkeypatch.undo()
        code, here, _ = run(capsys, "search", *query, "--local")
        assert code == 0 and json.loads(here) == json.loads(local)
        client.withdraw(data)
    assert not (data / client.SERVER_FILE).exists()


def test_a_dead_or_foreign_server_is_not_used(data, tmp_path, fake_encoder):
    record = data / client.SERVER_FILE
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record.write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": dead.pid}), encoding="utf-8")
    assert client.find_server(data) is None        # the process is gone
    other = tmp_path / "other"
    shutil.copytree(data, other)
    with running(create_app(Settings(data_dir=other), encoder=fake_encoder)) as (host, port):
        record.write_text(json.dumps({"url": f"http://{host}:{port}", "pid": os.getpid()}), encoding="utf-8")
        assert client.find_server(data) is None    # alive, but it serves another data directory
        record.write_text("{not json", encoding="utf-8")
        assert client.find_server(data) is None


def test_withdraw_leaves_another_servers_record(data):
    record = data / client.SERVER_FILE
    record.write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": os.getpid() + 1}), encoding="utf-8")
    client.withdraw(data)
    assert record.exists()
    client.announce(data, "http://127.0.0.1:2")
    client.withdraw(data)
    assert not record.exists()
