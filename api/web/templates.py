"""The web pages, rendered from the Jinja2 templates in api/templates/web/ (autoescaped)."""
from __future__ import annotations

from typing import Any

from api.reports import render

STATUS_ZH = {"current": "现行", "superseded": "已被代替", "withdrawn": "已废止", "unknown": "状态未知"}
KIND_ZH = {"standard": "标准", "law": "法律", "regulation": "法规", "policy": "政策文件", "other": "其他"}
LEVEL_ZH = {"national": "国家", "industry": "行业", "local": "地方", "group": "团体"}
MODE_ZH = {"hybrid": "混合检索", "keyword": "关键词", "semantic": "语义"}

NAV = (("/", "检索"), ("/check", "草案检查"), ("/gaps", "差距分析"), ("/docs", "API 文档"))


def page(name: str, title: str, active: str = "", scripts: tuple[str, ...] = (), **values: Any) -> str:
    return render(f"web/{name}.html.j2", title=title, nav=NAV, active=active, scripts=list(scripts), **values)


def search_page(domains: list[tuple[str, bool]]) -> str:
    indented = [(d, "\u3000└ " + d if narrower else d) for d, narrower in domains]
    return page("search", "检索", "/", ("search.js",), domains=indented, kinds=list(KIND_ZH.items()),
                modes=list(MODE_ZH.items()))


def check_page() -> str:
    return page("check", "草案检查", "/check", ("check.js",))


def gaps_page(domains: list[tuple[str, bool]]) -> str:
    return page("gaps", "差距分析", "/gaps", ("gaps.js",), domains=[(d, d) for d, narrower in domains if not narrower])


def not_found_page(ref: str) -> str:
    return page("not_found", "未找到", ref=ref)
