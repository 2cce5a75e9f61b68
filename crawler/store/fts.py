"""Chinese full-text search: character bigrams in a contentless FTS5 table.

SQLite's own tokenizers do not fit Chinese text: ``unicode61`` does not
segment it (a whole run of 汉字 is one token), ``trigram`` finds nothing for
a query shorter than three characters (经济, 发展), and a word segmenter such
as jieba misses a word inside a longer one (经济 in 经济学家). The store
indexes every pair of adjacent characters instead, so that a query is found
exactly where ``LIKE '%query%'`` finds it (README, "Searching stories", has
the measurements behind this choice):

- ``bigram_text(text)`` is what is indexed for a field: ``经济发展`` becomes
  the tokens ``经济 济发 发展 展`` (every adjacent pair, then the last
  character alone), read by FTS5's ``ascii`` tokenizer, which takes every
  non-ASCII character as part of a token and folds only ASCII case — the
  case folding of ``LIKE``. ASCII characters that are not letters or digits
  (spaces, punctuation, ``%``, ``"``) would split tokens, so they are
  written as characters of Unicode's private plane 16 (U+100000 + code).
- ``fts_query(text)`` is the MATCH expression for a user's text: the phrase of
  its bigrams (``经济发展`` → ``"经济 济发 发展"``: three tokens at consecutive
  positions, i.e. the four characters in a row), a one-character query the
  prefix ``"经" *`` (a bigram starting with 经, or 经 at the end of a field).
  A two-character query is a single token, so ``MATCH '"经济"'`` works from
  plain SQL without any function.

``stories_fts(title, body_text)`` is contentless (``content=''``): it holds
the index only, not a fourth copy of the body; rows are keyed by the
``stories`` rowid. The store's write path keeps it in sync
(``Store.insert_story``/``update_story``); ``rebuild(db)`` indexes every story
again (the migration, or after writing ``stories`` by hand).

SQL (``fts_query`` is registered on the store's connections by ``register``)::

    SELECT id, title FROM stories
    WHERE rowid IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH fts_query('经济发展'))

Datasette: ``?_search=`` runs ``rowid in (select rowid from stories_fts where
stories_fts match escape_fts(:search))``; a plugin whose
``prepare_connection`` hook is ``@hookimpl(trylast=True)`` (so that it runs
after Datasette's own, which registers ``escape_fts``) registers
``escape_fts`` as ``fts_query`` — then the search box finds exactly LIKE's
rows. Without it two-character queries already work (Datasette quotes the
query: ``"经济"`` is one bigram token), longer ones find nothing.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

FTS_TABLE = "stories_fts"
# ascii: every non-ASCII character is a token character, ASCII case folded (as LIKE);
# prefix='1': a one-character query reads a prefix index instead of every bigram starting with it
CREATE_SQL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body_text, content='', tokenize='ascii', prefix='1')"
)

_ESCAPE_BASE = 0x100000  # Unicode plane 16, private use: never produced by decoding a page


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(128):
        ch = chr(code)
        if "A" <= ch <= "Z":
            table[code] = ch.lower()
        elif not ch.isalnum():
            table[code] = chr(_ESCAPE_BASE + code)
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """ASCII letters lowercased, other ASCII non-alphanumerics as plane-16 characters:
    one token character per character, compared as LIKE compares."""
    return text.translate(_FOLD)


def _bigram_join(folded: str) -> str:
    """The definition of what bigram_text writes, for a folded text of two or more
    characters: each adjacent pair, a space after each, then the last character."""
    return " ".join(map(str.__add__, folded[:-1], folded[1:])) + " " + folded[-1]


def bigram_text(text: str | None) -> str:
    """The tokens indexed for one field: each pair of adjacent characters, then the last one.

    Folded and paired on the text's code points as one numpy array (UTF-32): the index of a
    stored story is written in the crawl process, where a pair string per character cost
    0.9 ms for a 4,400-character body, a string per character for ``fold``'s table another
    0.25; this takes 0.1 (issue 12). The same text as ``_bigram_join(fold(text))`` (tested)."""
    if not text:
        return ""
    if len(text) == 1:
        return fold(text)
    import numpy as np  # (imported by the first story a run stores)

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    ascii_chars = codes < 128
    codes = np.where(ascii_chars, _fold_codes()[np.where(ascii_chars, codes, 0)], codes)
    pairs = np.empty((len(codes) - 1, 3), dtype="<u4")
    pairs[:, 0] = codes[:-1]
    pairs[:, 1] = codes[1:]
    pairs[:, 2] = ord(" ")
    return pairs.tobytes().decode("utf-32-le", "surrogatepass") + chr(codes[-1])


@lru_cache(maxsize=1)
def _fold_codes():
    """``fold`` as an array: the code point each ASCII code point becomes."""
    import numpy as np

    return np.array([ord(_FOLD.get(code, chr(code))) for code in range(128)], dtype="<u4")


def fts_query(text: str) -> str:
    """The FTS5 MATCH expression finding the rows where ``text`` occurs in title or
    body — exactly the rows of ``title LIKE '%text%' OR body_text LIKE '%text%'``
    (``%``/``_`` in ``text`` taken literally). Raises ValueError for an empty text."""
    if not text:
        raise ValueError("an empty search text matches every row; it has no MATCH expression")
    folded = fold(text)
    if len(folded) == 1:
        return f'"{folded}" *'
    return '"' + " ".join(map(str.__add__, folded[:-1], folded[1:])) + '"'


def _sql_fts_query(text):
    # in SQL a NULL or empty text gives a MATCH expression no row has, instead of an error
    # (an empty phrase); callers that want "everything" leave the condition out
    if not text:
        return '""'
    return fts_query(str(text))


def register(conn: sqlite3.Connection) -> None:
    """Make ``fts_query(text)`` callable from SQL on this connection."""
    conn.create_function("fts_query", 1, _sql_fts_query, deterministic=True)


def index_story(db, rowid: int, title: str | None, body_text: str | None) -> None:
    db.execute(
        f"INSERT INTO {FTS_TABLE} (rowid, title, body_text) VALUES (?, ?, ?)",
        [rowid, bigram_text(title), bigram_text(body_text)],
    )


def unindex_story(db, rowid: int, title: str | None, body_text: str | None) -> None:
    """Remove a story's tokens: a contentless table is told the values it indexed."""
    db.execute(
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, body_text) VALUES ('delete', ?, ?, ?)",
        [rowid, bigram_text(title), bigram_text(body_text)],
    )


def rebuild(db) -> int:
    """Index every story again; the number indexed."""
    db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
    conn = getattr(db, "conn", db)  # a sqlite-utils Database or a sqlite3 connection
    count = 0
    # read lazily: a store's bodies need not all be in memory at once
    for rowid, title, body in conn.execute("SELECT rowid, title, body_text FROM stories"):
        index_story(conn, rowid, title, body)
        count += 1
    return count


def search_rowids(db, text: str) -> set[int]:
    """The stories rowids whose title or body holds ``text`` (through the index)."""
    return {r[0] for r in db.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [fts_query(text)])}


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE ? ESCAPE '\\'``, the text's own ``%``, ``_`` and ``\\`` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
