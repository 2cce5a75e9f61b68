"""What several benchmark scripts share: running a crawl and reading its run row, and
writing their ``--json`` output. Import it as ``bench.common`` once the script has put
the project (not bench/) first on sys.path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
# ../shared beside the project (corpora), or where SHARED_DIR says
SHARED = Path(os.environ.get("SHARED_DIR") or PROJECT.parent / "shared")


def write_json(payload: Any, dest: str) -> None:
    """``--json DEST``: the results as JSON on stdout (``-``) or into the file DEST."""
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    if dest == "-":
        print(text)
    else:
        Path(dest).write_text(text + "\n", encoding="utf-8")


def run_crawl(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run a crawl command from the project; its wall seconds and result. A failed crawl
    ends the benchmark with the tail of its log."""
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"crawl failed with exit code {result.returncode}")
    return wall, result


def last_run_stats(store: Path) -> dict:
    """The Scrapy stats of the store's latest run."""
    conn = sqlite3.connect(store)
    try:
        return json.loads(conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    finally:
        conn.close()
