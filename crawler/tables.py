"""Plain-text tables for the reports printed on a terminal (crawler/report.py,
crawler/cluster_report.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def text_table(rows: Sequence[Mapping], columns: Sequence[str]) -> str:
    """``rows`` under a header of ``columns``, each column as wide as its widest
    value, indented two spaces; ``  (none)`` when there is no row."""
    if not rows:
        return "  (none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  " + "  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  " + "  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
