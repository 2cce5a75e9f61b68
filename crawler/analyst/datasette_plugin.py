"""Datasette plugin: ``?_search=`` on ``stories`` finds exactly what LIKE finds.

Datasette's own search wraps the text as one FTS phrase (``escape_fts``), which
suits word tokens but not ``stories_fts``: its text is expanded into CJK
bigrams, so 中国经济 must be asked as a sequence of bigrams, and a one-character
text has no bigram at all. For a table whose metadata names ``stories_fts`` as
its ``fts_table``, this plugin therefore takes ``_search`` over: it removes
Datasette's clause and adds its own — the MATCH expression of
``crawler.store.fts.fts_query`` when that can answer the text, else
``title LIKE '%text%' OR body_text LIKE '%text%'`` (slower, same rows).
``_search_<column>`` is left to Datasette.

Speed: Datasette asks for the first 101 rows in the page's order (the
metadata's ``published_utc desc``) and for their count, both with the same
where clause. Written ``rowid IN (…)``, SQLite takes the rowids the index
gives as the loop and sorts every matching story — bodies and all — to return
the newest 101 (760 ms for 经济, in 38 % of the 50,000 stories of
bench/fts.py). When the page is sorted by a column an index of ``stories``
leads with, the clause is written ``+rowid IN (…)``: the unary ``+`` keeps the
planner from looking rows up by rowid, so it walks that index in the page's
order, tests each rowid against the matches, and stops at the 101st (17 ms);
the count and the source/outlet facets walk a covering index the same way.
For any other order the plain form is kept: walking the whole table would
cost more than sorting the matches.
"""

from __future__ import annotations

from collections.abc import Callable

from datasette import hookimpl
from datasette.filters import FilterArguments

fts_query: Callable[[str], str] | None
try:  # the store side of issue 13 (migration m005) provides the query builder
    from crawler.store.fts import fts_query
except ImportError:  # a store package without it: every search is answered by LIKE
    fts_query = None

FTS_TABLE = "stories_fts"
# the clause Datasette's search_filters adds for ?_search= (escaped or raw mode)
_BUILTIN_MATCH = ("match escape_fts(:search))", "match :search)")


def match_expression(text: str) -> str | None:
    """The FTS5 MATCH expression for ``text``, or None when only LIKE can answer it."""
    if fts_query is None:
        return None
    try:
        expression = fts_query(text)
    except ValueError:
        return None
    return expression or None


def like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def indexed_leading_columns(db, table: str) -> set[str]:
    """The columns some index of ``table`` starts with (the rowid too): orders the planner can walk."""
    result = await db.execute(
        "SELECT ii.name FROM pragma_index_list(:t) AS il JOIN pragma_index_info(il.name) AS ii WHERE ii.seqno = 0",
        {"t": table},
    )
    return {row[0] for row in result.rows} | {"rowid"}


def page_order(request, table_metadata: dict) -> str | None:
    """The column Datasette sorts the page by (the request's, else the metadata's), if any."""
    for key in ("_sort", "_sort_desc"):
        if request.args.get(key):
            return request.args.get(key)
    return table_metadata.get("sort") or table_metadata.get("sort_desc")


async def search_arguments(db, text: str, table: str = "stories", order: str | None = None) -> FilterArguments:
    expression = match_expression(text) if await db.table_exists(FTS_TABLE) else None
    if expression is not None:
        # no order: Datasette sorts by the primary key, which has its index
        walk = order is None or order in await indexed_leading_columns(db, table)
        lhs = "+rowid" if walk else "rowid"
        clause = f"{lhs} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :crawler_search)"
        params = {"crawler_search": expression}
    else:
        clause = "(title LIKE :crawler_search ESCAPE '\\' OR body_text LIKE :crawler_search ESCAPE '\\')"
        params = {"crawler_search": like_pattern(text)}
    return FilterArguments(
        [clause], params, [f'title or body contains "{text}"'], {"search": text, "supports_search": True}
    )


def _without_builtin_search(arguments):
    """Datasette's filter arguments minus its ?_search= clause."""
    if not isinstance(arguments, FilterArguments):
        return arguments
    kept = [c for c in arguments.where_clauses if not c.endswith(_BUILTIN_MATCH)]
    if len(kept) == len(arguments.where_clauses):
        return arguments
    params = {k: v for k, v in arguments.params.items() if k != "search"}
    described = [d for d in arguments.human_descriptions if not d.startswith("search matches ")]
    return FilterArguments(kept, params, described, arguments.extra_context)


@hookimpl(wrapper=True)
def filters_from_request(request, database, table, datasette):
    results = yield
    text = request.args.get("_search", "").strip()
    table_metadata = datasette.table_metadata(database, table)
    if not text or table_metadata.get("fts_table") != FTS_TABLE:
        return results
    order = page_order(request, table_metadata)

    def strip(result):
        async def inner():
            arguments = result
            while callable(arguments):  # hooks answer a value, a coroutine function or a coroutine
                arguments = arguments()
            if hasattr(arguments, "__await__"):
                arguments = await arguments
            return _without_builtin_search(arguments)

        return inner

    async def ours():
        return await search_arguments(datasette.get_database(database), text, table, order)

    return [strip(r) for r in results] + [ours]
