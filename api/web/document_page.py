"""The document page: facts, relations as links, and the clause tree indented by parent."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from api.web.templates import KIND_ZH, LEVEL_ZH, STATUS_ZH, page

OBLIGATION_ZH = {"shall": "应", "should": "宜", "may": "可", "shall-not": "不得"}
Resolve = Callable[[str], str | None]   # a number or title -> an ingested document id, or None


def doc_href(doc_id: str, clause_id: str | None = None) -> str:
    return f"/documents/{quote(doc_id, safe='')}" + (f"#{quote(clause_id, safe=':~')}" if clause_id else "")


def _link(label: str, resolve: Resolve, key: str | None = None) -> dict[str, Any]:
    target = resolve(key or label)
    return {"label": label, "href": doc_href(target) if target else None}


def _clauses(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    depth: dict[str | None, int] = {None: -1}
    out = []
    for c in clauses:
        depth[c["id"]] = depth.get(c["parent"], -1) + 1
        out.append({**c, "depth": depth[c["id"]], "obligation": OBLIGATION_ZH.get(c.get("obligation") or "")})
    return out


def document_page(view: dict[str, Any], resolve: Resolve) -> str:
    status = view["status"]
    badges = [x for x in (KIND_ZH.get(view["kind"], view["kind"]), LEVEL_ZH.get(view.get("level") or ""),
                          {True: "强制性", False: "推荐性"}.get(view.get("mandatory"))) if x]
    facts = [("发布机构", view.get("issuer")), ("发布日期", view.get("issued")), ("实施日期", view.get("effective")),
             ("业务领域", "、".join(view.get("domains") or [])),
             ("来源文件", PurePath(view["source"]["path"]).name)]   # the file, not where it sits on the server
    relations = [(key, label, [_link(n, resolve) for n in view[key]])
                 for key, label in (("replaces", "代替"), ("replaced_by", "被代替为")) if view.get(key)]
    references = [{**_link(" ".join(x for x in (r.get("number"), r.get("title")) if x), resolve,
                           r.get("number") or r.get("title")),
                   "kind": "规范性引用" if r.get("normative") else "参考"} for r in view["references"]]
    return page("document", view.get("number") or view["title"], doc=view, status=STATUS_ZH.get(status, status),
                badges=badges, facts=facts, relations=relations, references=references,
                clauses=_clauses(view["clauses"]))


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
