"""The web pages come from autoescaped Jinja2 templates: data can never become markup."""
from api.web.document_page import document_page
from api.web.templates import not_found_page, search_page

HOSTILE = '<script>alert("x")</script>'


def view(**changes):
    base = {"id": "X-1", "number": "DB99/T 1-2020", "title": "示例" + HOSTILE, "kind": "standard", "level": "local",
            "mandatory": False, "status": "current", "issuer": HOSTILE, "issued": "2020-01-01", "effective": None,
            "domains": ["养老服务"], "source": {"path": "/srv/secret/place/file.md"}, "replaces": ["DB99/T 1-2010"],
            "replaced_by": [], "references": [{"number": "GB/T 2-2019", "normative": True}],
            "clauses": [{"id": "X-1:1", "number": "1", "heading": "范围", "text": HOSTILE, "parent": None,
                         "kind": "clause", "obligation": None},
                        {"id": "X-1:1.1", "number": "1.1", "heading": None, "text": "应当" + HOSTILE,
                         "parent": "X-1:1", "kind": "clause", "obligation": "shall"}]}
    return {**base, **changes}


def test_document_page_escapes_every_value_and_links_what_is_ingested():
    html = document_page(view(), {"GB/T 2-2019": "GB-T-2-2019"}.get)
    assert "<script>" not in html and html.count("&lt;script&gt;") >= 4
    assert '<a href="/documents/GB-T-2-2019">GB/T 2-2019</a>' in html
    assert '<span class="unlinked" title="未收录">DB99/T 1-2010</span>' in html
    assert "file.md" in html and "/srv/secret" not in html
    assert 'style="--depth:1"' in html and '<span class="obl" title="义务程度">应</span>' in html
    assert "状态未知" not in html and "现行" in html


def test_a_document_without_relations_says_so():
    html = document_page(view(replaces=[], references=[]), lambda _key: None)
    assert "<p class=muted>无</p>" in html


def test_pages_escape_what_the_user_typed_and_mark_the_active_link():
    assert "&lt;script&gt;" in not_found_page(HOSTILE) and "<script>alert" not in not_found_page(HOSTILE)
    html = search_page([("养老服务", False), ("居家养老", True)])
    assert '<a href="/" class=active>检索</a>' in html and "\u3000└ 居家养老" in html
    assert '<script src="/static/search.js" defer></script>' in html


def test_gap_report_escapes_and_draws_a_bar_per_cell():
    from api.gapping import gaps_html

    result = {"systems": {"basic": "基础标准", "service": "服务标准"},
              "domains": [{"label": "殡葬" + HOSTILE, "current": 2, "superseded": 1, "stale": [],
                           "systems": {"basic": ["A", "B"], "service": []},
                           "missing": [{"what": "殡仪服务规范", "why": "未收录"}],
                           "outdated_references": [{"from": "X", "to": "Y", "reason": None}]}]}
    html = gaps_html(result)
    assert "<script>" not in html and "殡葬&lt;script&gt;" in html
    assert html.count("<svg") == 2 and 'fill="#c0392b" opacity="0.25"' in html   # the empty cell
    assert "殡仪服务规范 <small>（未收录）</small>" in html and "超过复审周期：无" in html
