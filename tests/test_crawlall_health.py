"""crawlall, health flags and alerts."""

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from crawler import stats_keys
from crawler.health import HealthSettings, check_run, fallback_share, http_error_share, notify

from .helpers import FAST_SETTINGS, MIRROR_DIR, MIRROR_SETTINGS, PROJECT, closed_port, rows


def crawlall(store, mirror, *names, **settings):
    cmd = [sys.executable, "-m", "scrapy", "crawlall", *names, "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror}", "--progress", "0"]
    for k, v in {**FAST_SETTINGS, **MIRROR_SETTINGS, **settings}.items():
        cmd += ["-s", f"{k}={v}"]
    return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def crawlall_both(tmp_path_factory, mirror_url):
    """One crawlall of the site and the aggregator, the aggregator named first."""
    store = tmp_path_factory.mktemp("crawlall") / "s.sqlite"
    return store, crawlall(store, mirror_url, "eastmoney", "chinadevelopment")


@pytest.mark.e2e
def test_crawlall_runs_sources_in_one_process_with_a_summary(crawlall_both):
    store, result = crawlall_both
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "crawlall summary:" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith(("chinadevelopment", "eastmoney"))}
    assert set(lines) == {"chinadevelopment", "eastmoney"}
    assert "finished" in lines["chinadevelopment"] and "http_404=" in lines["chinadevelopment"]
    runs = rows(store, "SELECT spider, status, stored FROM runs ORDER BY spider")
    assert [(r["spider"], r["status"]) for r in runs] == [("chinadevelopment", "finished"), ("eastmoney", "finished")]
    assert sum(r["stored"] for r in runs) > 10


@pytest.mark.e2e
def test_crawlall_exits_non_zero_naming_the_source_that_is_down(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    down = json.dumps({"finews.zning.xyz": f"http://127.0.0.1:{closed_port()}"})
    result = crawlall(store, mirror_url, "chinadevelopment", "eastmoney", MIRROR_HOST_URLS=down)
    assert result.returncode == 1
    assert "eastmoney: FAILED" in result.stderr and "connection refused" in result.stderr
    summary = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(("chinadevelopment", "eastmoney"))}
    assert "failed" in summary["eastmoney"] and "finished" in summary["chinadevelopment"]
    assert "Traceback (most recent call last)" not in result.stderr


@pytest.mark.e2e
def test_template_change_flags_the_source_with_evidence_and_alerts(tmp_path, serve_dir):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR_DIR, root)
    mirror = serve_dir(root)
    store = tmp_path / "s.sqlite"
    alerts = tmp_path / "alerts.jsonl"
    hook = f"{sys.executable} -c \"import sys; open({str(alerts)!r}, 'a').write(sys.stdin.read() + chr(10))\""
    for _ in range(2):  # history: two healthy runs
        assert crawlall(store, mirror, "chinadevelopment", RECRAWL="True", ALERT_COMMAND=hook).returncode == 0
    assert not alerts.exists()
    # the site is redesigned: the template's selectors stop matching
    for page in root.rglob("*.shtml"):
        if "chinadevelopment" in str(page):
            raw = page.read_bytes()
            for old, new in ((b"article-content-title", b"headline-x"), (b"article-detail-inner", b"story-x"), (b"show_box", b"sbx"),
                             (b"rqly", b"meta-x"), (b"con_title", b"ct-x"), (b"article-describe", b"ad-x"), (b'class="content', b'class="cnt-x')):
                raw = raw.replace(old, new)
            page.write_bytes(raw)
    result = crawlall(store, mirror, "chinadevelopment", RECRAWL="True", ALERT_COMMAND=hook)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "extraction_fallback_jump" in result.stdout
    flags = rows(store, "SELECT * FROM health_flags")
    assert [f["check_name"] for f in flags] == ["extraction_fallback_jump"]
    evidence = json.loads(flags[0]["evidence"])
    assert evidence["share"] >= evidence["usual_share"] + 0.3 and evidence["count"] >= 3
    last_run = rows(store, "SELECT health FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(last_run["health"])[0]["check"] == "extraction_fallback_jump"
    sent = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sent and sent[0]["source"] == "chinadevelopment" and sent[0]["flags"][0]["check"] == "extraction_fallback_jump"


def run(stats, stored=1, hours_ago=0.0, now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc)):
    return {"stats": stats, "stored": stored, "started_at": (now - timedelta(hours=hours_ago)).isoformat()}


def test_no_flags_without_history_or_with_steady_shares():
    healthy = {stats_keys.EXTRACT_SITE: 9, stats_keys.EXTRACT_GENERIC: 1, stats_keys.DOWNLOADER_REQUESTS: 20}
    assert check_run([], run(healthy)) == []
    assert check_run([run(healthy), run(healthy)], run(healthy)) == []


def test_share_jumps_are_flagged():
    healthy = {stats_keys.EXTRACT_SITE: 9, stats_keys.EXTRACT_GENERIC: 1, stats_keys.DOWNLOADER_REQUESTS: 20, stats_keys.DOWNLOADER_STATUS_PREFIX + "200": 20}
    broken = {stats_keys.EXTRACT_SITE: 0, stats_keys.EXTRACT_GENERIC: 10, stats_keys.DOWNLOADER_REQUESTS: 20,
              stats_keys.DOWNLOADER_STATUS_PREFIX + "404": 12, stats_keys.DOWNLOADER_STATUS_PREFIX + "200": 8}
    flags = {f.check: f for f in check_run([run(healthy), run(healthy)], run(broken))}
    assert set(flags) == {"extraction_fallback_jump", "http_error_jump"}
    assert flags["extraction_fallback_jump"].evidence == {"share": 1.0, "usual_share": 0.1, "count": 10, "history_runs": 2}
    assert flags["http_error_jump"].evidence["share"] == 0.6


def test_no_new_stories_for_longer_than_usual():
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    history = [run({}, stored=3, hours_ago=h, now=now) for h in (96, 90, 84, 78)]
    flags = check_run(history, run({}, stored=0, now=now), now=now, cfg=HealthSettings(min_stale_hours=24))
    assert [f.check for f in flags] == ["no_new_stories"]
    assert flags[0].evidence["usual_gap_hours"] == 6.0 and flags[0].evidence["hours_since_last_new"] == 78.0
    assert check_run(history[:2] + [run({}, stored=1, hours_ago=2, now=now)], run({}, stored=0, now=now), now=now) == []


def test_shares():
    assert fallback_share({}) == (None, 0)
    assert fallback_share({stats_keys.EXTRACT_SITE: 3, stats_keys.EXTRACT_GENERIC: 1}) == (0.25, 4)
    assert http_error_share({stats_keys.DOWNLOADER_REQUESTS: 4, stats_keys.DOWNLOADER_EXCEPTIONS: 1}) == (0.25, 4)


def test_notify_reports_failures_instead_of_raising(tmp_path):
    target = tmp_path / "out.json"
    ok = notify({"a": 1}, command=f"{sys.executable} -c \"import sys; open({str(target)!r}, 'w').write(sys.stdin.read())\"")
    assert ok == [] and json.loads(target.read_text()) == {"a": 1}
    problems = notify({"a": 1}, command=f"{sys.executable} -c \"import sys; sys.exit(3)\"", webhook=f"http://127.0.0.1:{closed_port()}/hook")
    assert len(problems) == 2


@pytest.mark.e2e
def test_pipeline_and_callback_errors_become_counted_drops(tmp_path, mirror_url):
    from crawler.settings import ITEM_PIPELINES

    from .helpers import run_crawl

    store = tmp_path / "s.sqlite"
    pipelines = {**ITEM_PIPELINES, "tests.crash_pipeline.RaiseOnItem": 450}
    result = run_crawl("eastmoney", store, mirror_url, ITEM_PIPELINES=json.dumps(pipelines), **MIRROR_SETTINGS)
    assert result.returncode == 0, result.stderr[-2000:]
    drops = rows(store, "SELECT url, reason, detail FROM drops WHERE reason = 'pipeline_error'")
    assert len(drops) == 1 and drops[0]["url"].startswith("http://finews.zning.xyz/") and "RuntimeError" in drops[0]["detail"]


@pytest.mark.e2e
def test_crawlall_stores_the_outlet_copy_of_a_story_that_also_came_through_the_aggregator(crawlall_both):
    store, result = crawlall_both
    assert result.returncode == 0, result.stderr[-2000:]
    kept = rows(store, "SELECT id, source FROM stories WHERE canonical_url LIKE '%1800123.shtml'")
    assert kept == [{"id": "chinadevelopment-1800123", "source": "chinadevelopment"}]
    copy = rows(store, "SELECT relation, story_id FROM story_urls WHERE source = 'eastmoney' AND canonical_url LIKE '%NW202206082405403299'")
    assert copy == [{"relation": "duplicate", "story_id": "chinadevelopment-1800123"}]
