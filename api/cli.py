"""The `stdkg` command line.

Each command imports what it needs when it runs, so that `stdkg --help` and the commands
without the model start at once. search, covers and check ask a running `stdkg serve` of the
same data directory when there is one (its model is loaded): `--local` works here instead.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import InvalidInput, StdkgError

if TYPE_CHECKING:
    from api.pipeline import DataDir
    from ingest.records import Document
    from kg.build import DocumentFacts
    from search.engine import Filters, Retriever

# the choices of search.engine.MODES and kg.store.EXPORT_FORMATS, here so that parsing the
# command line imports neither (tests/api/test_cli_server.py keeps them equal)
MODES = ("hybrid", "keyword", "semantic")
EXPORT_FORMATS = ("jsonld", "nt", "turtle")
DEFAULT_DATA = "data"   # Settings.data_dir unless STDKG_DATA_DIR says otherwise


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _progress(total: int, label: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """A tqdm bar on an interactive terminal; silence otherwise."""
    if not sys.stderr.isatty():
        return (lambda _item: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr)

    def step(item: str) -> None:
        bar.set_postfix_str(item[-40:], refresh=False)
        bar.update(1)

    return step, bar.close


def _embed_progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def step(done: int, total: int) -> None:
        bar = bars.setdefault("bar", tqdm(total=total, desc="embed", unit="passage", file=sys.stderr))
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return step


def _settings():   # -> api.settings.Settings
    from api.settings import get_settings

    return get_settings()


def _data_path(args: argparse.Namespace) -> Path:
    return Path(args.data) if args.data else _settings().data_dir


def _data(args: argparse.Namespace) -> DataDir:
    from api.pipeline import DataDir

    return DataDir.of(_settings(), _data_path(args))


def _server(args: argparse.Namespace) -> str | None:
    """A running server to ask instead of loading the model here, or None."""
    if args.local:
        return None
    from api.client import find_server

    url = find_server(_data_path(args))
    if url and sys.stderr.isatty():
        print(f"(answered by the server at {url}; --local to work here)", file=sys.stderr)
    return url


def _encoder():   # -> search.encoder.Encoder
    from api.models import get_encoder

    return get_encoder(_settings())


def cmd_ingest(args: argparse.Namespace) -> int:
    from api import views
    from api.pipeline import ingest
    from ingest.batch import expand_paths

    settings = _settings()
    step, done = _progress(sum(1 for _ in expand_paths(args.paths)), "ingest")
    try:
        summary = ingest(args.paths, _data(args), settings.taxonomy, encoder=_encoder,
                         progress=step, embed_progress=_embed_progress())
    finally:
        done()
    view = views.ingest_view(summary, str(_data_path(args)))
    if args.json:
        _print_json(view)
    else:
        print(f"{summary.documents} documents, {summary.clauses} clauses in {_data_path(args)} "
              f"({len(summary.added)} new or changed, {len(summary.unchanged)} unchanged)")
        for s in summary.skipped:
            print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    failed_all = summary.skipped and not (summary.added or summary.unchanged)
    return 1 if failed_all else 0


def _facts(data: DataDir, doc_id: str) -> DocumentFacts | None:
    from kg.store import GraphMissing

    try:
        return data.graph.facts().get(doc_id)
    except GraphMissing:
        return None


def cmd_show(args: argparse.Namespace) -> int:
    from api import views

    data = _data(args)
    doc = data.catalog.get(args.doc)
    facts = _facts(data, doc.id)
    if args.json:
        _print_json(views.document_view(doc, facts))
    else:
        _print_document(doc, facts)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from api import views

    data = _data(args)
    docs = data.catalog.documents()
    if args.in_force_on:
        from kg.analytics import in_force_on

        keep = set(in_force_on(data.graph.open(), args.in_force_on))
        docs = [d for d in docs if d.id in keep]
    if args.json:
        _print_json([views.document_summary(d) for d in docs])
    else:
        for d in docs:
            print(f"{d.id:40}  {d.kind:10}  {d.title}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    body = _data(args).graph.export(args.format)
    if args.output:
        Path(args.output).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    query = Path(args.query[1:]).read_text(encoding="utf-8") if args.query.startswith("@") else args.query
    timeout = args.timeout if args.timeout is not None else _settings().sparql_timeout
    result = _data(args).graph.query(query, timeout)
    if args.json or result.form not in ("SELECT", "ASK"):
        sys.stdout.buffer.write(result.body + b"\n")
        return 0
    _print_table(json.loads(result.body))
    return 0


def _print_table(results: dict[str, Any]) -> None:
    if "boolean" in results:
        print("true" if results["boolean"] else "false")
        return
    names = results["head"]["vars"]
    print("\t".join(names))
    for row in results["results"]["bindings"]:
        print("\t".join(row[n]["value"] if n in row else "" for n in names))


def _filters(args: argparse.Namespace) -> Filters:
    from search.engine import Filters

    return Filters(status=args.status, domain=args.domain, kind=args.kind, level=args.level, document=args.document)


def _params(args: argparse.Namespace, text: str) -> dict[str, Any]:
    """The same search as query parameters of /api/search and /api/covers."""
    return {"q": text, "k": args.k, "mode": args.mode, "status": args.status, "domain": args.domain,
            "kind": args.kind, "level": args.level, "document": args.document}


def _retriever(args: argparse.Namespace) -> Retriever:
    from search.engine import make_retriever
    from search.milvus import MilvusRetriever

    data = _data(args)
    encoder = None if args.mode == "keyword" else _encoder()
    engine = data.search_engine
    if engine is not None:
        return MilvusRetriever(engine, args.mode, encoder)
    return make_retriever(args.mode, data.load_index(), encoder)


def _search_result(args: argparse.Namespace) -> dict[str, Any]:
    """The search contract's JSON, from a running server or computed here."""
    url = _server(args)
    if url:
        from api import client

        return client.get(url, "/api/search", _params(args, args.query))
    from api import views

    retriever = _retriever(args)
    hits = retriever.search(args.query, args.k, _filters(args))
    return views.search_view(args.query, hits, retriever.expansion(args.query))


def cmd_search(args: argparse.Namespace) -> int:
    if args.batch:
        return _search_batch(args)
    if not args.query:
        raise InvalidInput("give a QUERY, or --batch QUERIES.jsonl")
    result = _search_result(args)
    if args.json:
        _print_json(result)
        return 0
    for i, hit in enumerate(result["hits"], 1):
        print(f"{i:2}. {hit['doc_number'] or hit['doc_title']} {hit['clause_number']} {hit['heading'] or ''}  "
              f"[{hit['status']}] {hit['score']:.4f}\n    {hit['doc_title']}\n    {_terminal(hit['snippet'])}")
    return 0


def _terminal(snippet: str) -> str:
    """A snippet's HTML (escaped text, <mark> around the query terms) for a terminal or a pipe."""
    on, off = ("\033[1;31m", "\033[0m") if _colour() else ("【", "】")
    return html.unescape(snippet.replace("<mark>", on).replace("</mark>", off))


def _colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _search_batch(args: argparse.Namespace) -> int:
    from api import views

    retriever, filters = _retriever(args), _filters(args)
    with open(args.batch, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                qid, text = item["query_id"], str(item["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidInput(f"{args.batch} line {lineno}: needs JSON with query_id and text ({exc})") from exc
            hits = retriever.search(text, args.k, filters)
            out = {"query_id": qid, "hits": views.search_view(text, hits)["hits"]}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def _covers_result(args: argparse.Namespace) -> dict[str, Any]:
    url = _server(args)
    if url:
        from api import client

        return client.get(url, "/api/covers", _params(args, args.question))
    from api import views
    from search.engine import covers

    return views.covers_view(args.question, covers(_retriever(args), args.question, args.k, _filters(args)))


def cmd_covers(args: argparse.Namespace) -> int:
    result = _covers_result(args)
    if args.json:
        _print_json(result)
        return 0
    for g in result["documents"]:
        print(f"{g['doc_number'] or ''} {g['doc_title']}  [{g['status']}] {g['score']:.4f}")
        for h in g["clauses"]:
            first = h["text"].splitlines()[0][:60] if h["text"] else ""
            print(f"    {h['clause_number']} {h['heading'] or ''} {first}")
    return 0


def _write_report(target: Path, page: str) -> None:
    target.write_text(page, encoding="utf-8")
    print(f"report written to {target}")


def _check_result(args: argparse.Namespace) -> dict[str, Any]:
    draft = Path(args.draft)
    if not draft.is_file():
        raise InvalidInput(f"{draft}: no such file; give the path of a draft (.txt .md .docx .pdf)")
    url = _server(args)
    if url:
        from api import client

        return client.check(url, draft, args.status)
    from api.checking import run_check

    return run_check(_data(args), _encoder(), draft, args.draft, args.status, models=_settings().check_models)


def cmd_check(args: argparse.Namespace) -> int:
    from api.checking import check_html, check_text

    result = _check_result(args)
    if args.format == "html":
        _write_report(Path(args.output or Path(args.draft).with_suffix(".check.html").name), check_html(result))
    elif args.json:
        _print_json(result)
    else:
        print(check_text(result), end="")
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    from api.gapping import gaps_html, gaps_text, run_gaps

    result = run_gaps(_data(args), _settings(), args.domain)
    if args.format == "html":
        _write_report(Path(args.output or "gaps.html"), gaps_html(result))
    elif args.json:
        _print_json(result)
    else:
        print(gaps_text(result), end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serve import serve

    return serve(_data_path(args), args.host, args.port, progress=_progress, embed_progress=_embed_progress())


def _print_document(doc: Document, facts: DocumentFacts | None) -> None:
    status = facts.status if facts else doc.status
    print(f"{doc.number or doc.id}  {doc.title}")
    print(f"kind {doc.kind}, level {doc.level}, status {status}, issued {doc.issued or '?'}, "
          f"effective {doc.effective or '?'}, issuer {doc.issuer or '?'}")
    if facts and facts.domains:
        print("domains: " + ", ".join(facts.domains))
    replaces = facts.replaces if facts else doc.replaces
    if replaces:
        print("replaces: " + ", ".join(replaces))
    if facts and facts.replaced_by:
        print("replaced by: " + ", ".join(facts.replaced_by))
    depth: dict[str | None, int] = {None: -1}
    for c in doc.clauses:
        depth[c.id] = depth.get(c.parent, -1) + 1
        head = f"{c.number} {c.heading or ''}".strip()
        first = c.text.splitlines()[0][:60] if c.text else ""
        print(f"{'  ' * depth[c.id]}{head}  {first}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stdkg", description="Knowledge graph and search over Chinese standards.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--data", help=f"data directory (default: STDKG_DATA_DIR or ./{DEFAULT_DATA})")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    p = command("ingest", cmd_ingest, "ingest files and folders (.txt .md .docx .pdf .jsonl)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = command("show", cmd_show, "show one document by id or number")
    p.add_argument("doc", metavar="DOC")
    p = command("list", cmd_list, "list ingested documents")
    p.add_argument("--in-force-on", metavar="DATE", help="only documents in force on this date (YYYY-MM-DD)")
    p = command("export", cmd_export, "export the knowledge graph")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="turtle")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p = command("sparql", cmd_sparql, "run a read-only SPARQL query (SELECT/ASK/CONSTRUCT; @FILE reads it from a file)")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--timeout", type=float, help="seconds (default: STDKG_SPARQL_TIMEOUT or 10)")
    p = command("check", cmd_check, "check a draft for duplicate, overlapping and conflicting clauses")
    p.add_argument("draft", metavar="DRAFT", help="a draft in any format ingest reads")
    p.add_argument("--status", choices=("current", "all"), default="current")
    p.add_argument("--format", choices=("text", "html"), default="text", help="html writes a side-by-side report")
    p.add_argument("-o", "--output", help="where to write the HTML report")
    p.add_argument("--local", action="store_true", help="work here even when a server of this data is running")
    p = command("gaps", cmd_gaps, "gap analysis per business domain against the seed policy")
    p.add_argument("--domain", help="one domain, e.g. 养老服务 or 殡葬")
    p.add_argument("--format", choices=("text", "html"), default="text", help="html writes a report with a chart")
    p.add_argument("-o", "--output", help="where to write the HTML report")
    p = command("serve", cmd_serve, "serve the HTTP API and web page (builds the demo index on first start)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    for name, func, help_ in (("search", cmd_search, "search clauses (keyword, semantic or hybrid)"),
                              ("covers", cmd_covers, "which documents cover a question")):
        p = command(name, func, help_)
        if name == "search":
            p.add_argument("query", nargs="?", metavar="QUERY")
            p.add_argument("--batch", metavar="QUERIES.jsonl", help='lines {"query_id", "text"}; writes JSONL')
        else:
            p.add_argument("question", metavar="QUESTION")
        p.add_argument("-k", type=int, default=10, help="how many results (default 10)")
        p.add_argument("--mode", choices=MODES, default="hybrid")
        p.add_argument("--status", choices=("current", "superseded", "all"), default="current")
        p.add_argument("--domain", help="a business domain, e.g. 养老服务")
        p.add_argument("--kind", choices=("standard", "law", "regulation", "policy", "other"))
        p.add_argument("--level", choices=("national", "industry", "local", "group"))
        p.add_argument("--document", help="only this document (id or number)")
        p.add_argument("--local", action="store_true", help="work here even when a server of this data is running")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # a real command line: end quietly when piped into `head`
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StdkgError as exc:   # what the user can fix; anything else is a bug and shows its traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
