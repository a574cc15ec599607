"""Read-only SPARQL 1.1 protocol endpoint and the graph export."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import StateDep
from api.errors import InvalidRequest
from kg.sparql import ReadOnlyError
from kg.store import EXPORT_FORMATS

router = APIRouter(tags=["graph"])

MEDIA = {"turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}
SUFFIX = {"turtle": "ttl", "nt": "nt", "jsonld": "jsonld"}
_UPDATE_REFUSED = "SPARQL updates are refused: the endpoint is read-only; change documents with POST /api/documents"


async def _query_text(request: Request, query: str | None) -> str:
    """The query from the URL, an urlencoded form field, or an application/sparql-query body."""
    if "update" in request.query_params:
        raise ReadOnlyError(_UPDATE_REFUSED)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            raise ReadOnlyError(_UPDATE_REFUSED)
        if ctype == "application/sparql-query":
            query = (await request.body()).decode("utf-8", errors="replace")
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            if "update" in form:
                raise ReadOnlyError(_UPDATE_REFUSED)
            query = str(form.get("query") or "") or query
    if not query or not query.strip():
        raise InvalidRequest("no query: pass `query` in the URL or a form field, or POST an "
                             "application/sparql-query body")
    return query


SPARQL_DOC = dict(summary="SPARQL 1.1 query (read-only, time-limited)", response_class=Response,
                  responses={200: {"content": {"application/sparql-results+json": {}, "text/turtle": {}}},
                             400: {"description": "an update or a syntax error"},
                             503: {"description": "the query ran past the time limit, or every worker is busy"}})


@router.get("/sparql", operation_id="sparql_get", **SPARQL_DOC)  # type: ignore[arg-type]
@router.post("/sparql", operation_id="sparql_post", **SPARQL_DOC)  # type: ignore[arg-type]
async def sparql(request: Request, state: StateDep,
                 query: Annotated[str | None, Query(description="SELECT, ASK, CONSTRUCT or DESCRIBE")] = None
                 ) -> Response:
    text = await _query_text(request, query)
    result = await run_in_threadpool(state.data.graph.query, text, state.settings.sparql_timeout, state.sparql)
    return Response(result.body, media_type=result.media_type)


@router.get("/api/export", summary="The whole knowledge graph as Turtle, JSON-LD or N-Triples",
            response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
def export(state: StateDep, format: Literal["turtle", "jsonld", "nt"] = "turtle") -> Response:  # noqa: A002
    assert format in EXPORT_FORMATS
    body = state.data.graph.export(format)
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'inline; filename="stdkg.{SUFFIX[format]}"'})
