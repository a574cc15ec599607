"""Clause search and "which standard covers X"."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import views
from api.deps import StateDep
from api.schemas import CoversResult, SearchParams, SearchResult
from search.engine import Filters, covers

router = APIRouter(prefix="/api", tags=["search"])

Params = Annotated[SearchParams, Query()]


def _filters(p: SearchParams) -> Filters:
    return Filters(status=p.status, domain=p.domain, kind=p.kind, level=p.level, document=p.document)


@router.get("/search", response_model=SearchResult, summary="Search clauses (keyword, semantic or hybrid)")
async def search(params: Params, state: StateDep) -> dict[str, Any]:
    retriever = state.retriever(params.mode)

    def work() -> dict[str, Any]:
        return views.search_view(params.q, retriever.search(params.q, params.k, _filters(params)),
                                 retriever.expansion(params.q))

    return await state.run(work, state.settings.request_timeout, "search")


@router.get("/covers", response_model=CoversResult, summary="Which documents cover a question (in force first)")
async def covers_route(params: Params, state: StateDep) -> dict[str, Any]:
    retriever = state.retriever(params.mode)

    def work() -> dict[str, Any]:
        return views.covers_view(params.q, covers(retriever, params.q, params.k, _filters(params)))

    return await state.run(work, state.settings.request_timeout, "covers request")
