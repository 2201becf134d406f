"""Page-number pagination with links (in the body and in a Link header)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from .problems import field_error

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000


def page_args() -> tuple[int, int]:
    """(page, per_page) from the query; 400 naming the argument when it is not usable."""
    values = []
    for name, default, upper in (("page", 1, 100_000), ("per_page", DEFAULT_PER_PAGE,
                                                         MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw is None or raw == "":
            values.append(default)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= upper:
            raise field_error(400, name, f"a whole number from 1 to {upper}")
        values.append(int(raw))
    return values[0], values[1]


def _link(number: int, per_page: int) -> str:
    args = request.args.to_dict()
    args.update(page=str(number), per_page=str(per_page))
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def paged(items: list[Any], total: int, page: int, per_page: int) -> tuple[dict[str, Any],
                                                                           dict[str, str]]:
    """The page body (items, counts, links) and its Link header."""
    last = max(1, -(-total // per_page))
    links = {"self": _link(page, per_page), "first": _link(1, per_page),
             "last": _link(last, per_page),
             "next": _link(page + 1, per_page) if page < last else None,
             "prev": _link(min(page - 1, last), per_page) if page > 1 else None}
    header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items()
                       if url and rel != "self")
    body = {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": last, "links": links}
    return body, {"Link": header}
