"""Draft check for the CLI and HTTP: run it, shape the JSON contract, render the reports
(text for the terminal, a self-contained HTML page) from the Jinja2 templates in api/templates/."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from api.pipeline import DataDir
from api.reports import render
from ingest.document import load_documents
from ingest.errors import IngestError, InvalidInput
from search.check import ClauseCheck, DraftChecker, Judge, candidate_retriever, summary
from search.check.editions import older_editions
from search.check.judge import MODELS
from search.encoder import Encoder
from search.engine import Filters, LoadedIndex

KIND_ZH = {"duplicate": "重复", "overlap": "重叠", "conflict": "冲突", "none": "无"}
REASON_ZH = {"quantity": "数值不同", "obligation": "义务程度不同", "body": "责任主体不同",
             "superseded": "沿用已被修订的旧版条文"}
AUTHORITY_ZH = {"higher": "上位规定（须遵从）", "same": "同级规定（应协调）", "other-jurisdiction": "其他地区规定（仅供参考）"}
LABELS_ZH = {"KIND_ZH": KIND_ZH, "REASON_ZH": REASON_ZH, "AUTHORITY_ZH": AUTHORITY_ZH}


@lru_cache(maxsize=4)
def judge_for(encoder_name: str, models: Path = MODELS) -> Judge:
    """The fitted judge for an embedding backend, loaded once per process."""
    return Judge.load(encoder_name, models)


@dataclass(frozen=True)
class DraftLimits:
    clauses: int = 400        # draft clauses one check compares (about a minute of work)
    characters: int = 100_000


def run_check(data: DataDir, encoder: Encoder, draft_path: Path, display_name: str,
              status: str = "current", index: LoadedIndex | None = None, models: Path = MODELS,
              limits: DraftLimits = DraftLimits(), should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Check every clause of a draft file (any format ingest reads) against the corpus;
    `index` is the already loaded index (the service's), else it is read from `data`; `models`
    is the folder of fitted judges (settings.check_models). A draft over `limits` is refused
    before any work; `should_stop` ends the work early (search.check.CheckStopped)."""
    try:
        docs = load_documents(draft_path, display_name)
    except IngestError as exc:   # name the draft as the user gave it, not the temporary file
        raise InvalidInput(f"{display_name}: {exc.reason}") from exc
    clauses = sum(len(d.clauses) for d in docs)
    characters = sum(len(c.text) for d in docs for c in d.clauses)
    if clauses > limits.clauses or characters > limits.characters:
        raise InvalidInput(f"{display_name} has {clauses} clauses and {characters} characters; one check takes at "
                           f"most {limits.clauses} clauses and {limits.characters} characters: check it in parts")
    index = index or data.load_index()
    checker = DraftChecker(candidate_retriever(index, encoder), encoder, index.row_vectors,
                           judge_for(encoder.name, models), older_editions(index.rows), index.rows)
    checks: list[ClauseCheck] = []
    for doc in docs:
        checks += checker.check_document(doc, Filters(status=status), should_stop)
    return {"draft": display_name, "clauses": [_clause_view(c) for c in checks], "summary": summary(checks)}


def _clause_view(check: ClauseCheck) -> dict[str, Any]:
    return {"number": check.number, "text": check.text, "label": check.label, "findings": [
        {"kind": f.kind, "clause_id": f.row.clause_id, "doc_id": f.row.doc_id, "doc_number": f.row.doc_number,
         "doc_title": f.row.doc_title, "clause_number": f.row.clause_number, "text": f.row.text,
         "path": f.row.path, "status": f.row.status, "similarity": round(f.similarity, 4),
         "reasons": [r.to_dict() for r in f.reasons],
         "authority": f.authority, "probability": round(f.probability, 3)}
        for f in check.findings]}


def check_html(result: dict[str, Any]) -> str:
    """A self-contained side-by-side report a drafter can send around."""
    return render("check.html.j2", result=result, **LABELS_ZH)


def check_text(result: dict[str, Any]) -> str:
    """The report for a terminal: each draft clause, then each finding with the existing text beside it."""
    return render("check.txt.j2", result=result, **LABELS_ZH)
