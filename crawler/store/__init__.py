"""The SQLite store: schema and migrations, data access, the run lifecycle.

    connection  open the file (WAL, busy timeout), retry while locked
    schema      named migrations (sqlite-utils ``Migrations``)
    queries     ``Store``: reads and one-transaction writes
    run         ``RunContext`` (store + run row of one crawler), ``StoreComponent``

Below the Scrapy components that use it (spiders, middlewares, extensions,
pipelines) and the commands; it imports none of them (see README, Architecture).
"""

from .connection import retry_when_locked, store_broken, utcnow
from .queries import STORY_COLUMNS, Store, quick_check, store_problem
from .run import RunContext, RunNotStarted, StoreComponent, get_run_context
from .schema import MIGRATIONS

__all__ = [
    "MIGRATIONS",
    "STORY_COLUMNS",
    "RunContext",
    "RunNotStarted",
    "Store",
    "StoreComponent",
    "get_run_context",
    "retry_when_locked",
    "quick_check",
    "store_broken",
    "store_problem",
    "utcnow",
]
