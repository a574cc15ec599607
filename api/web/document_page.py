"""The document page: facts, relations as links, and the clause tree indented by parent."""
from __future__ import annotations

import re
from collections.abc import Callable
from html import escape as esc
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from api.web.templates import KIND_ZH, LEVEL_ZH, STATUS_ZH, layout

OBLIGATION_ZH = {"shall": "应", "should": "宜", "may": "可", "shall-not": "不得"}
Resolve = Callable[[str], str | None]   # a number or title -> an ingested document id, or None


def doc_href(doc_id: str, clause_id: str | None = None) -> str:
    return f"/documents/{quote(doc_id, safe='')}" + (f"#{quote(clause_id, safe=':~')}" if clause_id else "")


def _link(label: str, resolve: Resolve, key: str | None = None) -> str:
    target = resolve(key or label)
    if target is None:
        return f'<span class="unlinked" title="未收录">{esc(label)}</span>'
    return f'<a href="{doc_href(target)}">{esc(label)}</a>'


def _facts(view: dict[str, Any]) -> str:
    rows = [("发布机构", view.get("issuer")), ("发布日期", view.get("issued")), ("实施日期", view.get("effective")),
            ("业务领域", "、".join(view.get("domains") or []) or None), ("来源文件", PurePath(view["source"]["path"]).name)]   # the file, not where it sits on the server
    return "<dl class=facts>" + "".join(f"<dt>{k}</dt><dd>{esc(v or '—')}</dd>" for k, v in rows) + "</dl>"


def _relations(view: dict[str, Any], resolve: Resolve) -> str:
    parts = []
    for key, label in (("replaces", "代替"), ("replaced_by", "被代替为")):
        if view.get(key):
            links = "、".join(_link(n, resolve) for n in view[key])
            parts.append(f'<p class="rel-{key}">{label}：{links}</p>')
    refs = []
    for ref in view["references"]:
        name = " ".join(x for x in (ref.get("number"), ref.get("title")) if x)
        kind = "规范性引用" if ref.get("normative") else "参考"
        refs.append(f'<li>{_link(name, resolve, ref.get("number") or ref.get("title"))} '
                    f'<span class="tag">{kind}</span></li>')
    if refs:
        parts.append(f'<h3>引用文件</h3><ul class="references">{"".join(refs)}</ul>')
    return f'<section class="relations"><h2>关系</h2>{"".join(parts) or "<p class=muted>无</p>"}</section>'


def _clauses(clauses: list[dict[str, Any]]) -> str:
    depth: dict[str | None, int] = {None: -1}
    out = []
    for c in clauses:
        depth[c["id"]] = depth.get(c["parent"], -1) + 1
        obligation = OBLIGATION_ZH.get(c.get("obligation") or "", "")
        out.append(
            f'<div class="clause kind-{esc(c["kind"])}" id="{esc(c["id"])}" style="--depth:{depth[c["id"]]}">'
            f'<a class="cnum" href="#{esc(c["id"])}">{esc(c["number"])}</a> '
            f'<b>{esc(c.get("heading") or "")}</b>'
            + (f' <span class="obl" title="义务程度">{obligation}</span>' if obligation else "")
            + f'<div class="ctext">{esc(c["text"])}</div></div>')
    return f'<section class="clause-tree"><h2>条款（{len(clauses)}）</h2>{"".join(out)}</section>'


def document_page(view: dict[str, Any], resolve: Resolve) -> str:
    status = view["status"]
    badges = " · ".join(x for x in (KIND_ZH.get(view["kind"], view["kind"]), LEVEL_ZH.get(view.get("level") or ""),
                                    {True: "强制性", False: "推荐性"}.get(view.get("mandatory"))) if x)
    body = (f'<article class="document" data-doc-id="{esc(view["id"])}">'
            f'<h1><span class="number">{esc(view.get("number") or "")}</span> {esc(view["title"])}</h1>'
            f'<p><span class="badge status-{esc(status)}">{STATUS_ZH.get(status, esc(status))}</span> {esc(badges)}</p>'
            f'{_facts(view)}{_relations(view, resolve)}{_clauses(view["clauses"])}</article>')
    return layout(view.get("number") or view["title"], body)


def resolver(numbers: dict[str, str], loose: Callable[[str], str]) -> Resolve:
    """Find an ingested document by number (dated or not) or by title."""
    def resolve(key: str) -> str | None:
        if key in numbers:
            return numbers[key]
        wanted = loose(key)
        if wanted and wanted in numbers:
            return numbers[wanted]
        undated = re.sub(r"-\d{4}$", "", wanted)
        if undated and re.search(r"\d", undated):
            hits = sorted(v for k, v in numbers.items() if k.startswith(undated + "-"))
            return hits[-1] if hits else None
        title = key.strip("《》")
        return numbers.get(title) or numbers.get("中华人民共和国" + title)

    return resolve
