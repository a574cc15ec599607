"""Gap analysis for the CLI and HTTP: the JSON contract and an HTML report with a chart."""
from __future__ import annotations

import datetime as dt
import html
from typing import Any

from api.pipeline import DataDir
from api.reports import render
from api.settings import Settings
from kg.domains import Taxonomy
from kg.gaps import gap_report, load_framework


def run_gaps(data: DataDir, settings: Settings, domain: str | None = None,
             today: dt.date | None = None) -> dict[str, Any]:
    framework = load_framework(settings.corpus_dir / "framework" / "framework.json")
    report = gap_report(data.catalog.documents(), data.graph.facts(), Taxonomy.load(settings.taxonomy),
                        framework, today or dt.date.today(), domain)
    return {"domains": [g.to_dict() for g in report],
            "systems": {s["id"]: s["label"] for s in framework["systems"]}}


def gaps_text(result: dict[str, Any]) -> str:
    """The report for a terminal: a header, a line per domain, then what is missing and why."""
    return render("gaps.txt.j2", result=result)


def gaps_html(result: dict[str, Any]) -> str:
    """Domain-by-system coverage chart (documents per cell) and the missing items per domain."""
    esc = html.escape
    systems = result["systems"]
    widest = max([1] + [len(v) for d in result["domains"] for v in d["systems"].values()])
    head = "".join(f"<th>{esc(label)}</th>" for label in systems.values())
    rows, details = [], []
    for d in result["domains"]:
        cells = "".join(_cell(len(d["systems"][sid]), widest) for sid in systems)
        rows.append(f"<tr><th>{esc(d['label'])}</th><td>{d['current']}</td><td>{d['superseded']}</td>{cells}</tr>")
        items = "".join(f"<li>{esc(m['what'])} <small>（{esc(m['why'])}）</small></li>" for m in d["missing"])
        refs = "".join(f"<li>{esc(r['from'])} → {esc(r['to'])}（{esc(r.get('reason', ''))}）</li>"
                       for r in d["outdated_references"])
        stale = "、".join(esc(s) for s in d["stale"]) or "无"
        details.append(f"<h3>{esc(d['label'])}</h3><p>超过复审周期：{stale}</p><ul>{items}</ul>"
                       + (f"<p>引用问题：</p><ul>{refs}</ul>" if refs else ""))
    return ("<!doctype html><html lang='zh'><meta charset='utf-8'><title>差距分析</title><style>"
            "body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ddd;padding:.3em .6em}"
            "table{border-collapse:collapse}svg{vertical-align:middle}</style><h1>民政业务领域标准差距分析</h1>"
            f"<table><tr><th>业务领域</th><th>现行</th><th>已代替</th>{head}</tr>{''.join(rows)}</table>"
            + "".join(details) + "</html>")


def _cell(count: int, widest: int) -> str:
    width = 0 if count == 0 else max(4, 80 * count // widest)
    color = "#c0392b" if count == 0 else "#2e86c1"
    bar = f"<svg width='84' height='12'><rect width='{width or 84}' height='12' fill='{color}' " \
          f"opacity='{0.25 if count == 0 else 1}'/></svg>"
    return f"<td>{bar} {count}</td>"
