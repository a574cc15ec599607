"""The `stdkg` command line."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from api import views
from ingest.batch import expand_paths, ingest_paths
from ingest.catalog import Catalog, CatalogError, UnknownDocument
from ingest.records import Document

DEFAULT_DATA = "data"


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


def cmd_ingest(args: argparse.Namespace) -> int:
    catalog = Catalog(args.data)
    step, done = _progress(sum(1 for _ in expand_paths(args.paths)), "ingest")
    try:
        summary = ingest_paths(args.paths, catalog, progress=step)
    finally:
        done()
    view = views.ingest_view(summary, args.data)
    if args.json:
        _print_json(view)
    else:
        print(f"{summary.documents} documents, {summary.clauses} clauses in {args.data} "
              f"({len(summary.added)} new or changed, {len(summary.unchanged)} unchanged)")
        for s in summary.skipped:
            print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    failed_all = summary.skipped and not (summary.added or summary.unchanged)
    return 1 if failed_all else 0


def cmd_show(args: argparse.Namespace) -> int:
    doc = Catalog(args.data).get(args.doc)
    if args.json:
        _print_json(views.document_view(doc))
    else:
        _print_document(doc)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    docs = Catalog(args.data).documents()
    if args.json:
        _print_json([views.document_summary(d) for d in docs])
    else:
        for d in docs:
            print(f"{d.id:40}  {d.kind:10}  {d.title}")
    return 0


def _print_document(doc: Document) -> None:
    print(f"{doc.number or doc.id}  {doc.title}")
    print(f"kind {doc.kind}, level {doc.level}, status {doc.status}, issued {doc.issued or '?'}, "
          f"effective {doc.effective or '?'}, issuer {doc.issuer or '?'}")
    if doc.replaces:
        print("replaces: " + ", ".join(doc.replaces))
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
        p.add_argument("--data", default=DEFAULT_DATA, help="data directory (default: ./data)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    p = command("ingest", cmd_ingest, "ingest files and folders (.txt .md .docx .pdf .jsonl)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = command("show", cmd_show, "show one document by id or number")
    p.add_argument("doc", metavar="DOC")
    command("list", cmd_list, "list ingested documents")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UnknownDocument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
