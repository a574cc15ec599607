"""Draft check for the CLI and HTTP: run it, shape the JSON contract, render the HTML report."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from api.pipeline import DataDir
from ingest.document import load_documents
from search.check import ClauseCheck, DraftChecker, summary
from search.encoder import Encoder
from search.engine import Filters, LoadedIndex

KIND_ZH = {"duplicate": "重复", "overlap": "重叠", "conflict": "冲突"}
REASON_ZH = {"quantity": "数值不同", "obligation": "义务程度不同", "body": "责任主体不同"}


def run_check(data: DataDir, encoder: Encoder, draft_path: Path, display_name: str,
              status: str = "current", index: LoadedIndex | None = None) -> dict[str, Any]:
    """Check every clause of a draft file (any format ingest reads) against the corpus;
    `index` is the already loaded index (the service's), else it is read from `data`."""
    docs = load_documents(draft_path, display_name)
    checker = DraftChecker(index or data.load_index(), encoder)
    checks: list[ClauseCheck] = []
    for doc in docs:
        checks += checker.check_document(doc, Filters(status=status))
    return {"draft": display_name, "clauses": [_clause_view(c) for c in checks], "summary": summary(checks)}


def _clause_view(check: ClauseCheck) -> dict[str, Any]:
    return {"number": check.number, "text": check.text, "label": check.label, "findings": [
        {"kind": f.kind, "clause_id": f.row.clause_id, "doc_id": f.row.doc_id, "doc_number": f.row.doc_number,
         "doc_title": f.row.doc_title, "clause_number": f.row.clause_number, "text": f.row.text,
         "path": f.row.path, "similarity": round(f.similarity, 4), "reasons": [r.to_dict() for r in f.reasons]}
        for f in check.findings]}


def check_html(result: dict[str, Any]) -> str:
    """A self-contained side-by-side report a drafter can send around."""
    esc = html.escape
    rows = []
    for clause in result["clauses"]:
        findings = clause["findings"] or [None]
        for i, f in enumerate(findings):
            left = (f"<td rowspan='{len(findings)}'><b>{esc(clause['number'])}</b> {esc(clause['text'])}</td>"
                    if i == 0 else "")
            if f is None:
                rows.append(f"<tr>{left}<td class='none'>未发现重复、重叠或冲突</td></tr>")
                continue
            reasons = "；".join(f"{REASON_ZH[r['type']]}：草案“{esc(r['draft'])}”，现行“{esc(r['existing'])}”"
                               for r in f["reasons"])
            rows.append(
                f"<tr>{left}<td class='{f['kind']}'><span class='tag'>{KIND_ZH[f['kind']]}</span> "
                f"{esc(f['doc_number'] or '')} {esc(f['doc_title'])} {esc(f['clause_number'])}"
                f"（相似度 {f['similarity']:.3f}）<br>{esc(f['text'])}"
                f"{'<br><i>' + reasons + '</i>' if reasons else ''}</td></tr>")
    s = result["summary"]
    return (
        "<!doctype html><html lang='zh'><meta charset='utf-8'><title>草案检查报告</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td{border:1px solid #ccc;padding:.5em;vertical-align:top;width:50%}.conflict{background:#fde2e2}"
        ".duplicate{background:#fff3cd}.overlap{background:#e7f1ff}.none{color:#777}"
        ".tag{font-weight:bold}</style>"
        f"<h1>草案检查报告：{esc(result['draft'])}</h1>"
        f"<p>重复 {s['duplicate']} 处，重叠 {s['overlap']} 处，冲突 {s['conflict']} 处。</p>"
        "<table><tr><th>草案条款</th><th>现行条款</th></tr>" + "".join(rows) + "</table></html>")
