"""The analyst's view (issue 13): report --json/--html, the page in a real headless
Chromium, and ``scrapy datasette`` with its canned queries and Chinese search.

One store is made by a real ``scrapy crawlall`` of the bundled mirror. The
analyst views/columns come from migration m005 (the store side of the issue);
on a store without them they are added from tests/analyst_contract.py, and
only the checks that need the real FTS index skip ("needs m005").
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import lxml.html
import pytest

from .analyst_contract import ensure_contract, has_fts
from .helpers import FAST_SETTINGS, MIRROR_SETTINGS, PROJECT, rows

DAYS, RUNS = 5, 5  # fewer than the crawl made: the limits are exercised


@pytest.fixture(scope="module")
def store(tmp_path_factory, mirror_url) -> Path:
    path = tmp_path_factory.mktemp("analyst") / "stories.sqlite"
    cmd = [sys.executable, "-m", "scrapy", "crawlall", "-s", f"STORE_PATH={path}", "-s", f"MIRROR_URL={mirror_url}", "--progress", "0"]
    for key, value in {**FAST_SETTINGS, **MIRROR_SETTINGS}.items():
        cmd += ["-s", f"{key}={value}"]
    result = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    ensure_contract(path)
    add_copies(path)
    return path


def add_copies(path: Path) -> None:
    """The mirror holds no syndicated story: other outlets copy two of its stories (three
    copies in all), stored through the store's write path, which clusters them."""
    from crawler.store import Store

    store = Store.open(path)
    try:
        originals = list(store.db.query("SELECT * FROM stories ORDER BY length(body_text) DESC, id LIMIT 2"))
        for n, original in enumerate(originals):
            for k in range(2 - n):
                url = f"http://copies.test/{n}-{k}.html"
                store.insert_story(dict(
                    original, id=f"copy-{n}-{k}", url=url, canonical_url=url, outlet=f"转载网{k}", source="copies",
                    body_text=original["body_text"] + f"\n（来源：{original['outlet']}）", content_hash=f"copy-{n}-{k}",
                ), None)
        clusters = [r[0] for r in store.db.execute("SELECT stories FROM clusters WHERE stories > 1 ORDER BY stories")]
        assert clusters == [2, 3], clusters
    finally:
        store.close()


def report(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler.report", "--store", str(store), *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )


def sql_answers(store: Path) -> dict[str, list[dict]]:
    """Each chart's numbers, asked of the base tables independently of crawler.report's SQL."""
    days = [r["d"] for r in rows(store, "SELECT DISTINCT published_day AS d FROM stories ORDER BY d DESC LIMIT ?", (DAYS,))]
    per_day = Counter(
        (r["published_day"], r["outlet"]) for r in rows(store, "SELECT published_day, outlet FROM stories") if r["published_day"] in days
    )
    recent = {r["id"] for r in rows(store, "SELECT id FROM runs ORDER BY id DESC LIMIT ?", (RUNS,))}
    paths = Counter(
        (r["source"], r["extractor"].split(":")[0])
        for r in rows(store, "SELECT s.source, s.extractor, u.first_run_id FROM stories s JOIN story_urls u ON u.story_id = s.id AND u.relation = 'original'")
        if r["first_run_id"] in recent
    )
    drops = Counter((r["source"], r["reason"]) for r in rows(store, "SELECT source, reason, run_id FROM drops") if r["run_id"] in recent)
    # syndication: clusters counted from the stories' cluster_id (not the clusters table's own counts)
    members = Counter(r["cluster_id"] for r in rows(store, "SELECT cluster_id FROM stories"))
    outlets = {c: len({r["outlet"] for r in rows(store, "SELECT outlet FROM stories WHERE cluster_id = ?", (c,))}) for c in members}
    top = sorted((c for c, n in members.items() if n > 1), key=lambda c: (-members[c], -outlets[c]))[:10]
    return {
        "stories_per_outlet_day": [{"day": d, "outlet": o, "stories": n} for (d, o), n in sorted(per_day.items())],
        "extraction_paths": [{"source": s, "path": p, "stories": n} for (s, p), n in sorted(paths.items())],
        "drop_reasons": [{"source": s, "reason": r, "drops": n} for (s, r), n in sorted(drops.items())],
        "runs": [
            {"run_id": r["id"], "source": r["spider"], "status": r["status"], "duration_s": r["duration_s"], "errors": r["errors"]}
            for r in rows(store, "SELECT * FROM runs ORDER BY id") if r["id"] in recent
        ],
        "most_syndicated": sorted(({"cluster_id": c, "stories": members[c], "outlets": outlets[c]} for c in top),
                                  key=lambda r: r["cluster_id"]),
    }


def comparable(data: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The report's chart data, cut to the fields the SQL answers carry."""
    out = {}
    for name, expected_keys in {
        "stories_per_outlet_day": ("day", "outlet", "stories"),
        "extraction_paths": ("source", "path", "stories"),
        "drop_reasons": ("source", "reason", "drops"),
        "runs": ("run_id", "source", "status", "duration_s", "errors"),
        "most_syndicated": ("cluster_id", "stories", "outlets"),
    }.items():
        out[name] = [{k: r[k] for k in expected_keys} for r in data[name]]
    out["most_syndicated"].sort(key=lambda r: r["cluster_id"])
    return out


def test_report_json_gives_the_sql_answers(store):
    result = report(store, "--json", "--days", str(DAYS), "--runs", str(RUNS))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = sql_answers(store)
    assert expected["stories_per_outlet_day"] and expected["runs"] and expected["drop_reasons"] and expected["most_syndicated"]
    assert comparable(data) == expected


@pytest.mark.parametrize("args", [[], ["--json"]])
def test_report_into_a_closed_pipe_is_quiet(store, args):
    # like `report | head` when head has already left: the first write meets a closed pipe
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.report", "--store", str(store), *args],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def scrapy_report(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "report", "-s", f"STORE_PATH={store}", *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )


def test_scrapy_report_is_the_same_report(store, tmp_path):
    assert scrapy_report(store).stdout == report(store).stdout
    got = scrapy_report(store, "--json", "--days", str(DAYS), "--runs", str(RUNS))
    assert got.returncode == 0, got.stderr
    assert comparable(json.loads(got.stdout)) == sql_answers(store)
    page = tmp_path / "out.html"
    assert scrapy_report(store, "--html", str(page)).returncode == 0 and "chart-most_syndicated" in page.read_text(encoding="utf-8")
    missing = scrapy_report(tmp_path / "none.sqlite")
    assert missing.returncode == 2 and "no store" in missing.stderr and "Traceback" not in missing.stderr


def test_scrapy_report_into_a_closed_pipe_is_quiet(store):
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "report", "-s", f"STORE_PATH={store}"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def test_report_html_needs_the_analyst_views(tmp_path, store):
    bare = tmp_path / "bare.sqlite"
    shutil.copy(store, bare)
    import sqlite3
    conn = sqlite3.connect(bare)
    conn.execute("DROP VIEW stories_per_outlet_day")
    conn.commit()
    conn.close()
    result = report(bare, "--html", str(tmp_path / "out.html"))
    assert result.returncode == 2 and "stories_per_outlet_day" in result.stderr and "Traceback" not in result.stderr


# --- the page in a browser ---------------------------------------------------------------------

def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no Chromium: install the distribution's chromium package (scripts/test does, as root with apt)")


def run_chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--enable-logging=stderr", "--v=0", f"--user-data-dir={cwd / 'profile'}"]
    return subprocess.run(base + list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, pixels) of an 8-bit RGB/RGBA PNG, decoded with zlib (no Pillow)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, prev, pixels = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels += [bytes(line[i:i + 3]) for i in range(0, stride, bpp)]
        prev = line
    return width, height, pixels


def test_html_report_renders_in_chromium_with_the_sql_numbers(store, tmp_path):
    page = tmp_path / "report.html"
    result = report(store, "--html", str(page), "--days", str(DAYS), "--runs", str(RUNS))
    assert result.returncode == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    # self-contained: nothing to fetch, and no script that could fail (only data blocks)
    # (the data blocks may name the stories' URLs: JSON in an application/json script is never fetched)
    markup = re.sub(r'<script type="application/json" id="data-[a-z_]+">[^<]*</script>', "", text)
    assert "http://" not in markup.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in markup
    assert "<link" not in text and " src=" not in text

    dom = run_chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    doc = lxml.html.fromstring(dom.stdout)
    scripts = doc.xpath("//script")
    assert scripts and all(s.get("type") == "application/json" for s in scripts)
    data = {s.get("id").removeprefix("data-"): json.loads(s.text) for s in scripts}
    assert comparable(data) == sql_answers(store)
    # the numbers drawn: each bar segment's data-value, summed per chart, is the SQL total
    expected = sql_answers(store)
    value_of = {"stories_per_outlet_day": "stories", "extraction_paths": "stories", "drop_reasons": "drops",
                "runs": "duration_s", "most_syndicated": "stories"}
    for name, column in value_of.items():
        bars = doc.xpath(f"//*[local-name()='svg'][@id='chart-{name}']/*[local-name()='rect']")
        assert len(bars) == len(expected[name]), name
        drawn = defaultdict(float)
        for bar in bars:
            drawn[bar.get("data-x")] += float(bar.get("data-value"))
        assert sum(drawn.values()) == pytest.approx(sum(r[column] or 0 for r in expected[name])), name
        assert all(float(b.get("height")) >= 0 for b in bars)
    per_day = defaultdict(int)
    for r in expected["stories_per_outlet_day"]:
        per_day[r["day"]] += r["stories"]
    bars = doc.xpath("//*[local-name()='svg'][@id='chart-stories_per_outlet_day']/*[local-name()='rect']")
    drawn_days = defaultdict(float)
    for bar in bars:
        drawn_days[bar.get("data-x")] += float(bar.get("data-value"))
    assert drawn_days == per_day

    shot = tmp_path / "shot.png"
    result = run_chromium(f"--screenshot={shot}", "--window-size=1000,1400", "--hide-scrollbars", page.as_uri(), cwd=tmp_path)
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    width, height, pixels = png_pixels(shot)
    colours = Counter(pixels)
    assert len(colours) > 50, "the screenshot has hardly any colours: blank page?"
    assert 1 - colours.most_common(1)[0][1] / len(pixels) > 0.05, "the screenshot is almost one colour"
    # the chart palette is on screen (bars drawn, not just text)
    from crawler.report import PALETTE
    drawn_palette = {bytes.fromhex(c[1:]) for c in PALETTE} & set(colours)
    assert len(drawn_palette) >= 3


# --- Datasette ---------------------------------------------------------------------------------

def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(scope="module")
def datasette(store, tmp_path_factory):
    pytest.importorskip("datasette", reason="Datasette is the optional extra 'analyst': pip install -e '.[analyst]'")
    port = free_port()
    log = tmp_path_factory.mktemp("datasette") / "log.txt"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "datasette", "--port", str(port), "-s", f"STORE_PATH={store}"],
            cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        yield base + "/" + store.stem
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_datasette_canned_queries_answer_the_views(store, datasette):
    got = get_json(datasette + "/per_outlet_per_day.json?_shape=array")
    assert got == rows(store, "SELECT day, outlet, source, stories FROM stories_per_outlet_day ORDER BY day DESC, stories DESC, outlet")
    assert sum(r["stories"] for r in got) == rows(store, "SELECT count(*) AS n FROM stories")[0]["n"]
    one = get_json(datasette + "/per_outlet_per_day.json?_shape=array&source=chinadevelopment")
    assert one and {r["source"] for r in one} == {"chinadevelopment"}
    drops = get_json(datasette + "/drops_by_source.json?_shape=array")
    assert sorted((r["source"], r["reason"], r["drops"]) for r in drops) == sorted(
        (r["source"], r["reason"], r["n"]) for r in rows(store, "SELECT source, reason, count(*) AS n FROM drops GROUP BY 1, 2")
    )
    failed = get_json(datasette + "/failed_runs.json?_shape=array")
    assert {r["run_id"] for r in failed} == {
        r["id"] for r in rows(store, "SELECT id FROM runs WHERE status NOT IN ('finished', 'running') OR errors > 0")
    }
    latest = get_json(datasette + "/latest.json?_shape=array")
    assert [r["id"] for r in latest] == [r["id"] for r in rows(store, "SELECT id FROM stories ORDER BY published_utc DESC, id LIMIT 100")]


@pytest.mark.parametrize("text", ["经济", "经", "数字经济", "发展"])
def test_datasette_search_gives_the_rows_like_gives(store, datasette, text):
    expected = {r["id"] for r in rows(
        store, "SELECT id FROM stories WHERE title LIKE ? OR body_text LIKE ?", (f"%{text}%", f"%{text}%")
    )}
    got = get_json(datasette + "/stories.json?_shape=array&_size=max&_col=title&_search=" + urllib.parse.quote(text))
    assert {r["id"] for r in got} == expected
    if text == "经济":
        assert expected  # the mirror has such stories: the comparison is not of two empty sets


def test_datasette_search_box_on_stories(datasette):
    with urllib.request.urlopen(datasette + "/stories?_search=" + urllib.parse.quote("经济"), timeout=30) as response:
        page = response.read().decode()
    assert '<input id="_search" type="search" name="_search" value="经济">' in page
    assert "title or body contains" in page


def test_datasette_search_uses_the_fts_index(store, datasette):
    if not has_fts(store):
        pytest.skip("needs m005: the store has no stories_fts yet, search is answered by LIKE")
    got = get_json(datasette + "/stories.json?_shape=objects&_search=" + urllib.parse.quote("经济"))
    assert "stories_fts MATCH" in got["query"]["sql"]
    # the page is sorted by an indexed column: the clause lets the planner walk that index
    # (newest first, stopping at the page's last row) instead of sorting every match
    assert "order by published_utc desc" in got["query"]["sql"] and "+rowid IN (SELECT rowid FROM stories_fts" in got["query"]["sql"]
    plan = " ".join(r["detail"] for r in rows(store, "EXPLAIN QUERY PLAN " + got["query"]["sql"], got["query"]["params"]))
    assert "idx_stories_published_utc" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
    by_title = get_json(datasette + "/stories.json?_shape=objects&_sort=title&_search=" + urllib.parse.quote("经济"))
    assert " rowid IN (SELECT rowid FROM stories_fts" in by_title["query"]["sql"] and "+rowid" not in by_title["query"]["sql"]
    for answer in (got, by_title):
        assert {r["id"] for r in answer["rows"]} <= {r["id"] for r in rows(
            store, "SELECT id FROM stories WHERE title LIKE '%经济%' OR body_text LIKE '%经济%'")}


def test_search_plugin_replaces_datasettes_phrase_search(store, tmp_path, monkeypatch):
    """The plugin's mechanics, apart from m005: over a bigram index of our own and a
    stand-in query builder, ?_search= runs the builder's MATCH (not Datasette's
    phrase escape), falls back to LIKE where the builder declines, and gives LIKE's rows."""
    pytest.importorskip("datasette", reason="Datasette is the optional extra 'analyst': pip install -e '.[analyst]'")
    import asyncio
    import sqlite3

    from crawler.analyst import datasette_plugin, serve

    copy = tmp_path / "stories.sqlite"
    shutil.copy(store, copy)
    conn = sqlite3.connect(copy)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%stories_fts%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE IF EXISTS stories_fts")
    conn.execute("CREATE VIRTUAL TABLE stories_fts USING fts5(grams)")

    def grams(text: str) -> str:
        return " ".join(text[i:i + 2] for i in range(len(text) - 1))

    for rowid, title, body in conn.execute("SELECT rowid, title, body_text FROM stories").fetchall():
        conn.execute("INSERT INTO stories_fts (rowid, grams) VALUES (?, ?)", (rowid, grams(title) + " | " + grams(body)))
    conn.commit()
    conn.close()
    asked = []

    def stand_in(text: str) -> str:
        asked.append(text)
        if len(text) < 2:
            raise ValueError("one character has no bigram")
        return '"' + grams(text) + '"'

    monkeypatch.setattr(datasette_plugin, "fts_query", stand_in)

    async def search(text: str) -> dict:
        ds = serve.build(copy)
        response = await ds.client.get("/stories/stories.json?_shape=objects&_size=max&_col=title&_search=" + urllib.parse.quote(text))
        assert response.status_code == 200, response.text
        return response.json()

    for text, engine in (("经济", "stories_fts MATCH"), ("数字经济", "stories_fts MATCH"), ("经", "LIKE")):
        got = asyncio.run(search(text))
        assert engine in got["query"]["sql"] and "escape_fts" not in got["query"]["sql"], got["query"]
        expected = {r["id"] for r in rows(copy, "SELECT id FROM stories WHERE title LIKE ? OR body_text LIKE ?", (f"%{text}%",) * 2)}
        assert {r["id"] for r in got["rows"]} == expected, text
    assert asked == ["经济", "数字经济", "经"]


def test_html_report_keeps_page_text_inert():
    """A title from a page cannot end a data block or add markup to the report."""
    from crawler.report import html_report

    hostile = '</script><script>alert(1)</script><b onmouseover="x">'
    data = {
        "stories_per_outlet_day": [{"day": "2026-12-01", "outlet": hostile, "stories": 2}],
        "extraction_paths": [], "drop_reasons": [],
        "runs": [{"run_id": 1, "source": hostile, "started_at": "", "status": "failed", "finish_reason": None,
                  "failure_cause": hostile, "duration_s": 1.5, "requests": 1, "stored": 0, "dropped": 0, "errors": 1}],
        "most_syndicated": [{"cluster_id": "a", "origin_title": hostile, "origin_outlet": hostile, "stories": 3, "outlets": 2,
                             "first_published": hostile}],
    }
    doc = lxml.html.fromstring(html_report(data))
    scripts = doc.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/json"] * 5
    assert json.loads(doc.xpath("//script[@id='data-most_syndicated']")[0].text) == data["most_syndicated"]
    assert not doc.xpath("//b") and not doc.xpath("//*[@onmouseover]")
    assert doc.xpath("//p[@class='empty']")  # the empty charts say so


def test_scrapy_datasette_without_a_store_says_so(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "datasette", "-s", f"STORE_PATH={tmp_path / 'none.sqlite'}"],
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "no store at" in result.stderr and "Traceback" not in result.stderr
