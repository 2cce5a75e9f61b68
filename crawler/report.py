"""What the store holds: stories per source, the latest runs, drops — as text, JSON or a page of charts.

    python -m crawler.report [--store data/stories.sqlite] [--runs 10]      text tables
    python -m crawler.report --json [--days 30] [--runs 20]                the chart data, for scripts
    python -m crawler.report --html out.html [--days 30] [--runs 20]       a self-contained page of charts
    python -m crawler.report syndication [--store …] [--top 20] [--json]   clusters (crawler/cluster_report.py)
    scrapy report [--html out.html | --json] [--days --runs --top]         the same, on the STORE_PATH store

The charts read the analyst views of the store (``stories_per_outlet_day``,
``run_summary``; migration m005) and the base tables. The page is plain HTML
with inline SVG and no script: it opens without a network and cannot raise a
console error. The numbers behind each chart are also in the page, as JSON in
``<script type="application/json" id="data-<chart>">``, and on each bar
(``data-value``), so a test can hold them against the SQL answers.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from pathlib import Path

from .cluster_report import MOST_SYNDICATED_SQL
from .store import Store
from .tables import text_table

# colour-blind-safe palette (Okabe–Ito, then Tableau's muted tones): series keep their colour by order
PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
    "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2", "#EDC948", "#FF9DA7", "#9C755F",
    "#1B9E77", "#7570B3", "#E7298A", "#66A61E", "#A6761D", "#666666", "#8DD3C7", "#BC80BD",
]
STATUS_COLOURS = {"finished": "#009E73", "running": "#56B4E9", "interrupted": "#E69F00", "failed": "#D55E00"}

# The SQL behind each chart. Each answers one question; the page, --json and the tests use the same text.
CHART_SQL = {
    # the last :days publication days that have stories (days in the source's own zone)
    "stories_per_outlet_day": """
        SELECT day, outlet, sum(stories) AS stories FROM stories_per_outlet_day
        WHERE day IN (SELECT DISTINCT day FROM stories_per_outlet_day WHERE day IS NOT NULL ORDER BY day DESC LIMIT :days)
        GROUP BY day, outlet ORDER BY day, outlet
    """,
    # which step of the fallback chain produced the stories first stored by the last :runs runs
    "extraction_paths": """
        SELECT s.source,
               CASE WHEN instr(s.extractor, ':') > 0 THEN substr(s.extractor, 1, instr(s.extractor, ':') - 1)
                    ELSE coalesce(s.extractor, 'unknown') END AS path,
               count(*) AS stories
        FROM stories s JOIN story_urls u ON u.story_id = s.id AND u.relation = 'original'
        WHERE u.first_run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT :runs)
        GROUP BY 1, 2 ORDER BY 1, 2
    """,
    "drop_reasons": """
        SELECT source, reason, count(*) AS drops FROM drops
        WHERE run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT :runs)
        GROUP BY source, reason ORDER BY source, reason
    """,
    "runs": """
        SELECT run_id, source, started_at, status, finish_reason, failure_cause, duration_s, requests, stored, dropped, errors
        FROM run_summary ORDER BY run_id DESC LIMIT :runs
    """,
    # syndication clusters (migration m004) with the most stories: the origin's title and outlet
    "most_syndicated": MOST_SYNDICATED_SQL,
}


class MissingViews(Exception):
    """The store predates the analyst views (migration m005)."""


def chart_data(store: Store, days: int = 30, runs: int = 20, top: int = 10) -> dict[str, list[dict]]:
    db = store.db
    missing = [v for v in ("stories_per_outlet_day", "run_summary") if not db[v].exists()]
    if missing:
        raise MissingViews(f"the store has no view {', '.join(missing)} (migration m005_analyst_columns_fts_views)")
    if not db["clusters"].exists():
        raise MissingViews("the store has no table clusters (migration m004_syndication_clusters)")
    params = {"days": int(days), "runs": int(runs), "top": int(top)}
    data = {}
    for name, sql in CHART_SQL.items():
        used = {k: v for k, v in params.items() if f":{k}" in sql}
        data[name] = [dict(r) for r in db.query(sql, used)]
    data["runs"].reverse()  # oldest first, left to right
    return data


# --- text ---------------------------------------------------------------------------------------

def report(store: Store, runs: int = 10) -> str:
    db = store.db
    out = []
    out.append("Stories by source:")
    out.append(text_table(list(db.query(
        "SELECT source, count(*) AS stories, sum(published_at IS NULL) AS undated, min(published_at) AS earliest, "
        "max(published_at) AS latest FROM stories GROUP BY source ORDER BY source"
    )), ["source", "stories", "undated", "earliest", "latest"]))
    out.append("\nArrivals recorded as duplicates:")
    out.append(text_table(list(db.query(
        "SELECT u.source, u.url, u.story_id FROM story_urls u WHERE u.relation = 'duplicate' ORDER BY u.first_seen DESC LIMIT 20"
    )), ["source", "url", "story_id"]))
    out.append(f"\nLatest {runs} runs:")
    rows = list(db.query(f"SELECT id, spider, status, started_at, requests, stored, updated, duplicates, dropped, dropped_by_reason, errors, waiting FROM runs ORDER BY id DESC LIMIT {int(runs)}"))
    for row in rows:
        row["dropped_by_reason"] = ", ".join(f"{k}={v}" for k, v in json.loads(row["dropped_by_reason"] or "{}").items())
    out.append(text_table(rows, ["id", "spider", "status", "started_at", "requests", "stored", "updated", "duplicates", "dropped", "dropped_by_reason", "errors", "waiting"]))
    return "\n".join(out)


# --- HTML ---------------------------------------------------------------------------------------

def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def stacked_bars(
    chart_id: str, rows: list[dict], x: str, series: str | None, value: str,
    *, colours: dict[str, str] | None = None, x_label=None, unit: str = "",
) -> str:
    """An SVG of vertical bars, one per distinct ``x`` (in row order), stacked by ``series``.

    Every segment carries ``data-x``, ``data-series`` and ``data-value`` and a
    ``<title>`` tooltip; a legend names the series.
    """
    if not rows:
        return f'<p class="empty" id="{chart_id}-empty">No data.</p>'
    xs = list(dict.fromkeys(r[x] for r in rows))
    names = sorted({r[series] for r in rows}) if series else [value]
    colours = {**{n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}, **(colours or {})}
    stacks: dict = {k: [] for k in xs}
    for r in rows:
        stacks[r[x]].append((r[series] if series else value, r[value] or 0))
    top = max(sum(v for _, v in stack) for stack in stacks.values()) or 1
    bar_w, gap, plot_h = 22, 8, 220
    left, top_pad, bottom = 48, 12, 120
    width = left + len(xs) * (bar_w + gap) + 90  # room for the last rotated label
    height = top_pad + plot_h + bottom
    label = x_label or (lambda v: v)
    parts = [f'<svg id="{chart_id}" class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    # y axis: 0, half, top
    for frac in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        tick = top * frac
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick:.3g}{unit}</text>')
    for i, key in enumerate(xs):
        bx = left + gap / 2 + i * (bar_w + gap)
        y = top_pad + plot_h
        for name, v in stacks[key]:
            h = plot_h * v / top
            y -= h
            parts.append(
                f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bar_w}" height="{max(h, 0):.1f}" fill="{colours[name]}" '
                f'data-x="{_esc(key)}" data-series="{_esc(name)}" data-value="{_esc(v)}">'
                f"<title>{_esc(label(key))} · {_esc(name)}: {_esc(v)}{unit}</title></rect>"
            )
        lx, ly = bx + bar_w / 2, top_pad + plot_h + 8
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" transform="rotate(60 {lx:.1f} {ly:.1f})" class="tick">{_esc(label(key))}</text>')
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{colours[n]}"></i>{_esc(n)}</span>' for n in names
    ) if series else ""
    return "".join(parts) + (f'<div class="legend">{legend}</div>' if legend else "")


def _data_block(name: str, rows) -> str:
    # "</" cannot appear inside a script element's text: JSON escapes the slash
    text = json.dumps(rows, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="data-{name}">{text}</script>'


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def html_report(data: dict[str, list[dict]], title: str = "Syndication crawler report", generated: str = "") -> str:
    runs_by_id = {r["run_id"]: r for r in data["runs"]}
    syndicated = data["most_syndicated"]
    sections = [
        ("stories_per_outlet_day", "Stories per outlet per day",
         "Stories by publication day (in the source's zone), stacked by outlet; the latest days that have stories.",
         stacked_bars("chart-stories_per_outlet_day", data["stories_per_outlet_day"], "day", "outlet", "stories")),
        ("extraction_paths", "Extraction path per source",
         "Which step produced the stories first stored by the recent runs: site rules, page metadata, generic extraction, an API.",
         stacked_bars("chart-extraction_paths", data["extraction_paths"], "source", "path", "stories")),
        ("drop_reasons", "Drops per source and reason",
         "Pages that did not become a story in the recent runs, by reason.",
         stacked_bars("chart-drop_reasons", data["drop_reasons"], "source", "reason", "drops")),
        ("runs", "Run durations and failures",
         "Seconds per run, coloured by status (a failed or interrupted run stands out); hover for errors.",
         stacked_bars("chart-runs", data["runs"], "run_id", "status", "duration_s", colours=STATUS_COLOURS, unit=" s",
                      x_label=lambda rid: f"#{rid} {runs_by_id[rid]['source']}")),
        ("most_syndicated", "Most syndicated stories",
         "Syndication clusters with the most stories: copies of one story published by other outlets (near-duplicate text), named by the origin's title.",
         stacked_bars("chart-most_syndicated", syndicated, "cluster_id", None, "stories",
                      x_label=lambda cid: _short(next(r["origin_title"] or "" for r in syndicated if r["cluster_id"] == cid)))),
    ]
    failed = [r for r in data["runs"] if r["status"] not in ("finished", "running") or (r["errors"] or 0) > 0]
    body = []
    for name, heading, blurb, chart in sections:
        body.append(f'<section id="{name}"><h2>{_esc(heading)}</h2><p>{_esc(blurb)}</p>{chart}')
        if name == "runs" and failed:
            body.append("<table><caption>Runs that failed, were interrupted or met errors</caption><tr><th>run</th><th>source</th><th>status</th><th>cause</th><th>errors</th></tr>" + "".join(
                f"<tr><td>{_esc(r['run_id'])}</td><td>{_esc(r['source'])}</td><td>{_esc(r['status'])}</td>"
                f"<td>{_esc(r['failure_cause'] or r['finish_reason'] or '')}</td><td>{_esc(r['errors'])}</td></tr>" for r in failed
            ) + "</table>")
        if name == "most_syndicated" and syndicated:
            body.append("<table><caption>Most syndicated stories</caption><tr><th>origin</th><th>origin outlet</th><th>stories</th><th>outlets</th><th>first published</th></tr>" + "".join(
                f"<tr><td>{_esc(r['origin_title'])}</td><td>{_esc(r['origin_outlet'])}</td><td>{_esc(r['stories'])}</td>"
                f"<td>{_esc(r['outlets'])}</td><td>{_esc(r['first_published'])}</td></tr>"
                for r in syndicated
            ) + "</table>")
        body.append(_data_block(name, data[name]) + "</section>")
    style = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px}h2{font-size:17px;margin:28px 0 4px}section p{color:#555;margin:0 0 8px}
.chart{display:block;max-width:100%;height:auto}.tick{font-size:10px;fill:#444}
.legend{margin:4px 0 0 48px}.key{display:inline-block;margin-right:12px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
table{border-collapse:collapse;margin-top:8px}caption{text-align:left;font-weight:600;padding:4px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
"""
    return (
        f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f"<style>{style}</style></head><body><h1>{_esc(title)}</h1>"
        + (f"<p>{_esc(generated)}</p>" if generated else "")
        + "".join(body) + "</body></html>\n"
    )


def syndication_main(argv) -> int:
    """The ``syndication`` subcommand: clusters of near-duplicate copies (crawler/cluster_report.py)."""
    from . import cluster_report

    return cluster_report.main(argv)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m crawler.report`` and ``scrapy report`` (one set, one behaviour)."""
    parser.add_argument("--runs", type=int, help="runs to show (text: 10; charts: 20)")
    parser.add_argument("--days", type=int, default=30, help="publication days in the stories-per-day chart")
    parser.add_argument("--top", type=int, default=10, help="syndication clusters in the most-syndicated chart")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--html", metavar="PATH", help="write a self-contained page of charts")
    output.add_argument("--json", action="store_true", help="print the chart data as JSON")


def run(store_path: str | Path, args: argparse.Namespace) -> int:
    """Write the report the options ask for; the exit status (2: no store, or one too old)."""
    if not Path(store_path).is_file():
        print(f"report: no store at {store_path}", file=sys.stderr)
        return 2
    store = Store.open(store_path)
    try:
        if args.html or args.json:
            try:
                data = chart_data(store, days=args.days, runs=args.runs or 20, top=args.top)
            except MissingViews as exc:
                print(f"report: {exc}", file=sys.stderr)
                return 2
            if args.html:
                generated = f"Store {Path(store_path).name}; the latest {args.days} publication days and {args.runs or 20} runs."
                Path(args.html).write_text(html_report(data, generated=generated), encoding="utf-8")
                return 0
            text = json.dumps(data, ensure_ascii=False, indent=1)
        else:
            text = report(store, args.runs or 10)
    finally:
        store.close()
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # `report | head`: the reader left; say nothing more, and keep Python's exit flush quiet too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["syndication"]:
        return syndication_main(argv[1:])
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("CRAWLER_STORE_PATH", "data/stories.sqlite"))
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args.store, args)


if __name__ == "__main__":
    sys.exit(main())
