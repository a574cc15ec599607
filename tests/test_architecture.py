"""Imports point down: api -> search, kg -> ingest; lower layers never import upward or read the environment."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "ingest": {"ingest"},
    "kg": {"kg", "ingest"},
    "search": {"search", "ingest"},
    "api": {"api", "search", "kg", "ingest"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_imports_point_down():
    bad = []
    for layer, allowed in ALLOWED.items():
        for path in (ROOT / layer).rglob("*.py"):
            ours = _imports(path) & set(ALLOWED)
            bad += [f"{path.relative_to(ROOT)} imports {m}" for m in ours - allowed]
    assert bad == []


def test_lower_layers_do_not_read_the_environment_or_import_fastapi():
    bad = []
    for layer in ("ingest", "kg", "search"):
        for path in (ROOT / layer).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "getenv" in text or "fastapi" in _imports(path):
                bad.append(str(path.relative_to(ROOT)))
    assert bad == []
