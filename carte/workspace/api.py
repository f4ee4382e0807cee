"""The global search over the API: the same providers, the same policy as the search page."""

from ninja import Query, Router

from carte.workspace import queries
from carte.workspace.schemas import SearchHitOut

router = Router(tags=["search"])


@router.get("/search", response=list[SearchHitOut], summary="Search every module")
def search(
    request,
    q: str,
    limit: int = Query(queries.SEARCH_DEFAULT_LIMIT, ge=1, le=queries.SEARCH_MAX_LIMIT),
):
    """Clients and other records whose name, phone, email or tax id match `q` (at least 2 characters),
    best matches first; at most `limit` hits from each module, only those the caller may see."""
    return queries.search_everything(request.auth, q, limit)
