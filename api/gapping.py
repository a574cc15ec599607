"""Gap analysis for the CLI and HTTP: the JSON contract and an HTML report with a chart."""
from __future__ import annotations

import datetime as dt
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
    widest = max([1] + [len(v) for d in result["domains"] for v in d["systems"].values()])

    def bar_width(count: int) -> int:   # an empty cell shows a faint full-width bar
        return 84 if count == 0 else max(4, 80 * count // widest)

    return render("gaps.html.j2", result=result, bar_width=bar_width)
