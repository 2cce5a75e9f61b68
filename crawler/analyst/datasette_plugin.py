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


async def search_arguments(db, text: str) -> FilterArguments:
    expression = match_expression(text) if await db.table_exists(FTS_TABLE) else None
    if expression is not None:
        clause = f"rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :crawler_search)"
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
    if not text or datasette.table_metadata(database, table).get("fts_table") != FTS_TABLE:
        return results

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
        return await search_arguments(datasette.get_database(database), text)

    return [strip(r) for r in results] + [ours]
