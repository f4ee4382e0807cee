from ninja import Schema


class SearchHitOut(Schema):
    """One result of the global search: what it is, its name, a detail line and where it opens."""

    kind: str
    title: str
    detail: str
    url: str
