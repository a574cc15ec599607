"""HTML of the web pages (f-strings; every value from data goes through `esc`)."""
from __future__ import annotations

from html import escape as esc

STATUS_ZH = {"current": "现行", "superseded": "已被代替", "withdrawn": "已废止", "unknown": "状态未知"}
KIND_ZH = {"standard": "标准", "law": "法律", "regulation": "法规", "policy": "政策文件", "other": "其他"}
LEVEL_ZH = {"national": "国家", "industry": "行业", "local": "地方", "group": "团体"}
MODE_ZH = {"hybrid": "混合检索", "keyword": "关键词", "semantic": "语义"}

NAV = (("/", "检索"), ("/check", "草案检查"), ("/gaps", "差距分析"), ("/docs", "API 文档"))


def layout(title: str, body: str, active: str = "", scripts: tuple[str, ...] = ()) -> str:
    nav = "".join(f'<a href="{href}"{" class=active" if href == active else ""}>{label}</a>' for href, label in NAV)
    js = "".join(f'<script src="/static/{name}" defer></script>' for name in ("app.js", *scripts))
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)} · 民政标准知识图谱</title><link rel="stylesheet" href="/static/style.css">{js}'
            f'</head><body><header><a class="brand" href="/">民政标准知识图谱</a><nav>{nav}</nav></header>'
            f'<main>{body}</main><footer>stdkg · 标准、法规与政策文件的知识图谱与检索</footer></body></html>')


def _options(pairs: list[tuple[str, str]], selected: str = "") -> str:
    return "".join(f'<option value="{esc(v)}"{" selected" if v == selected else ""}>{esc(label)}</option>'
                   for v, label in pairs)


def search_page(domains: list[tuple[str, bool]]) -> str:
    statuses = _options([("current", "现行"), ("superseded", "已被代替"), ("all", "全部")])
    domain_opts = _options([("", "全部领域")] + [(d, "\u3000└ " + d if narrower else d) for d, narrower in domains])
    kinds = _options([("", "全部类型")] + list(KIND_ZH.items()))
    modes = _options(list(MODE_ZH.items()))
    body = f"""
<h1>哪些标准涉及……</h1>
<form id="search-form" class="search" action="/" method="get" role="search">
  <div class="bar"><input id="q" name="q" type="search" required autofocus
    placeholder="输入关键词或问题，如：养老机构护理员配比、婚姻登记窗口设置">
  <button type="submit" id="search-button">检索</button></div>
  <div class="filters">
    <label>状态 <select name="status" id="status">{statuses}</select></label>
    <label>业务领域 <select name="domain" id="domain">{domain_opts}</select></label>
    <label>类型 <select name="kind" id="kind">{kinds}</select></label>
    <label>方式 <select name="mode" id="mode">{modes}</select></label>
    <label>显示 <select name="view" id="view"><option value="clauses">条款</option>
      <option value="documents">按文件归并</option></select></label>
  </div>
</form>
<p id="search-status" class="muted" aria-live="polite"></p>
<ol id="results" class="results"></ol>"""
    return layout("检索", body, "/", ("search.js",))


def check_page() -> str:
    statuses = _options([("current", "现行文件"), ("all", "全部文件（含已被代替）")])
    body = f"""
<h1>草案检查</h1>
<p class="muted">粘贴草案文本或上传文件（.txt .md .docx .pdf），逐条查找与现有条款重复、重叠或冲突之处。</p>
<form id="check-form" class="check">
  <textarea id="draft-text" name="text" rows="10" placeholder="在此粘贴草案条款，例如：&#10;5.1 养老机构应在接到投诉后30日内答复。"></textarea>
  <div class="filters">
    <label>或上传文件 <input type="file" id="draft-file" name="file" accept=".txt,.md,.docx,.pdf,.jsonl"></label>
    <label>比对范围 <select id="check-status" name="status">{statuses}</select></label>
    <label><input type="checkbox" id="only-findings"> 只看有发现的条款</label>
    <button type="submit" id="check-button">开始检查</button>
    <button type="button" id="report-button" class="secondary">可打印报告</button>
  </div>
</form>
<p id="check-status-line" class="muted" aria-live="polite"></p>
<div id="check-summary" class="summary"></div>
<table id="check-results" class="side-by-side" hidden>
  <thead><tr><th>草案条款</th><th>现有条款（文件编号、条款与理由）</th></tr></thead><tbody></tbody>
</table>"""
    return layout("草案检查", body, "/check", ("check.js",))


def gaps_page(domains: list[tuple[str, bool]]) -> str:
    domain_opts = _options([("", "全部业务领域")] + [(d, d) for d, narrower in domains if not narrower])
    body = f"""
<h1>差距分析</h1>
<p class="muted">对照《湖北省民政厅关于推进民政标准化工作的指导意见》，按业务领域统计现行与已被代替的文件，
列出尚无文件覆盖的事项。</p>
<form id="gaps-form" class="filters">
  <label>业务领域 <select id="gaps-domain" name="domain">{domain_opts}</select></label>
  <button type="submit">分析</button> <a id="gaps-report" href="/api/gaps?format=html" target="_blank">可打印报告</a>
</form>
<p id="gaps-status" class="muted" aria-live="polite"></p>
<figure id="gaps-chart" class="chart"></figure>
<div id="gaps-details"></div>"""
    return layout("差距分析", body, "/gaps", ("gaps.js",))


def not_found_page(ref: str) -> str:
    body = (f'<h1>未找到文件</h1><p>没有编号或标识为 <code>{esc(ref)}</code> 的文件。'
            f'<a href="/">返回检索</a>，或查看 <a href="/api/documents">已收录文件列表</a>。</p>')
    return layout("未找到", body)
