"""Failures and stats keys, each defined once: the reason codes of failed
requests, the network error groups retry and logging read, the stats key
strings, no silent broad ``except``, and a broken source declaration that stops
the batch extractor."""

import ast
import json
import logging
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, DNSLookupError, TCPTimedOutError
from twisted.python.failure import Failure

from crawler import failures, stats_keys
from crawler.extensions.quietlog import NetworkTracebackFilter
from crawler.failures import PERMANENT_FAILURES, REFUSAL_REASONS, Refused, failure_reason

from .helpers import PROJECT


@pytest.mark.parametrize(
    "exc, code",
    [
        (DNSLookupError("no-such-host.invalid"), "dns_error"),
        (CannotResolveHostError("x"), "dns_error"),
        (DownloadConnectionRefusedError("refused"), "connection_refused"),
        (DownloadTimeoutError("slow"), "timeout"),
        (HttpError(Response("http://x/", status=503, request=Request("http://x/")), "503"), "http_503"),
        (ValueError("odd"), "fetch_error_valueerror"),
    ],
)
def test_failure_reasons_are_short_codes_with_a_human_detail(exc, code):
    reason, detail = failure_reason(Failure(exc))
    assert reason == code
    assert detail and "\n" not in detail


# --- the failure kinds, defined once (crawler/failures.py) ---------------------------

@pytest.mark.parametrize(
    "exc, code",
    [
        (ConnectionRefusedError(), "connection_refused"),
        (TCPTimedOutError(), "timeout"),
        (ConnectionLost(), "connection_lost"),
        (Refused("redirect_loop", "a → b → a"), "redirect_loop"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_disallowed"),
        (IgnoreRequest("offsite"), "ignored"),
    ],
)
def test_every_failure_kind_has_its_reason_code(exc, code):
    assert failure_reason(Failure(exc))[0] == code


def test_refusals_and_gone_pages_are_permanent_network_errors_are_not():
    assert REFUSAL_REASONS <= PERMANENT_FAILURES and {"http_404", "robots_disallowed"} <= PERMANENT_FAILURES
    for reason, _, _ in failures.NETWORK_REASONS:
        assert reason not in PERMANENT_FAILURES  # the host may be back by the next run


def test_network_error_groups_are_one_list_read_by_retry_and_quiet_log():
    from crawler import settings

    transient, permanent = failures.TRANSIENT_NETWORK_ERRORS, failures.PERMANENT_NETWORK_ERRORS
    assert not set(transient) & set(permanent)
    # every class a reason code is given for is a network error the quiet log knows
    for _, _, classes in failures.NETWORK_REASONS:
        assert all(issubclass(cls, failures.NETWORK_ERRORS) for cls in classes)
    # retried: every transient error, no permanent one (a host that does not resolve stays so)
    retried = tuple(cls for cls in settings.RETRY_EXCEPTIONS if isinstance(cls, type))
    assert set(transient) <= set(retried)
    assert not set(permanent) & set(retried) and CannotResolveHostError not in retried


@pytest.mark.parametrize("exc", [CannotResolveHostError("x"), ConnectionLost(), TCPTimedOutError()])
def test_a_network_failure_is_logged_as_one_line(exc):
    record = logging.LogRecord("scrapy.core.scraper", logging.ERROR, __file__, 1, "Error downloading %s", ("http://x/",), (type(exc), exc, None))
    assert NetworkTracebackFilter().filter(record)
    assert record.exc_info is None and record.levelname == "WARNING"


def test_a_programming_error_keeps_its_traceback():
    exc = KeyError("x")
    record = logging.LogRecord("scrapy.core.scraper", logging.ERROR, __file__, 1, "Spider error", (), (type(exc), exc, None))
    NetworkTracebackFilter().filter(record)
    assert record.exc_info is not None and record.levelname == "ERROR"


# --- stats keys, defined once (crawler/stats_keys.py) --------------------------------

FIXED_KEYS = {name: value for name, value in vars(stats_keys).items() if name.isupper() and isinstance(value, str)}
KEY_RE = re.compile(r"^[a-z_]+/[a-z_]+_count$")


def test_stats_keys_have_scrapys_form_and_are_unique():
    values = [v for name, v in FIXED_KEYS.items() if not name.endswith("_PREFIX")]
    assert len(values) == len(set(values)), "two constants name the same key"
    odd = [v for v in values if not KEY_RE.match(v) and v not in (stats_keys.RUN_ID, stats_keys.SOURCE_FAILED, stats_keys.STORE_BROKEN)
           and v not in stats_keys.MEASUREMENTS]
    assert odd == []
    assert stats_keys.fetch_failed("http_404") == "fetch/failed_http_404_count"
    assert stats_keys.extracted_by("site:trs") == stats_keys.EXTRACT_SITE == "extract/site_count"
    assert stats_keys.validate_dropped("no_outlet") == "validate/dropped_no_outlet_count"


def test_the_published_key_strings_did_not_change():
    """Every project key of a run stored before stats_keys existed (tests/fixtures) is
    still written under the same string: runs.stats, the health checks' history and the
    analyst views read the old strings."""
    dump = (PROJECT / "tests" / "fixtures" / "schema3_store.sql").read_text(encoding="utf-8")
    db = sqlite3.connect(":memory:")
    db.executescript(dump)
    stored = set()
    for (text,) in db.execute("select stats from runs"):
        stored |= set(json.loads(text))
    components = {v.split("/")[0] for v in FIXED_KEYS.values()} - {"downloader", "robotstxt"}
    ours = {k for k in stored if k.split("/")[0] in components}
    made_by_functions = {k for k in ours if k.startswith(("fetch/failed_http_", stats_keys.VALIDATE_DROPPED_PREFIX))}
    assert ours - made_by_functions <= set(FIXED_KEYS.values())
    assert len(ours) > 15  # the fixture really holds the project's keys


def _project_files():
    for root in ("crawler", "pipelines"):
        yield from sorted((PROJECT / root).rglob("*.py"))


def test_no_stats_key_is_spelled_outside_stats_keys():
    components = {v.split("/")[0] for v in FIXED_KEYS.values()}
    literal = re.compile(rf"^({'|'.join(sorted(components))})/[a-z_]*$")
    found = []
    for path in _project_files():
        if path.name == "stats_keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and literal.match(node.value):
                found.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {node.value!r}")
    assert found == [], "use a constant of crawler/stats_keys.py: " + "; ".join(found)


def test_no_broad_except_is_silent():
    """An ``except Exception`` (or bare except) either re-raises or logs: a failure
    nobody hears of is a page silently lost."""
    silent = []
    for path in _project_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler):
                continue
            broad = node.type is None or (isinstance(node.type, ast.Name) and node.type.id in ("Exception", "BaseException"))
            if not broad:
                continue
            body = ast.Module(body=node.body, type_ignores=[])
            raises = any(isinstance(n, ast.Raise) for n in ast.walk(body))
            logs = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr in ("warning", "error", "exception", "critical")
                for n in ast.walk(body)
            )
            if not (raises or logs):
                silent.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    assert silent == []


def test_a_failing_library_is_logged_with_the_url(monkeypatch, caplog):
    from lxml import html

    from crawler.extraction import generic

    def boom(*args, **kwargs):
        raise RuntimeError("library bug")

    monkeypatch.setattr(generic.trafilatura, "bare_extraction", boom)
    monkeypatch.setattr(generic, "_ReadabilityDocument", boom)
    root = html.fromstring("<html><body><p>正文</p></body></html>")
    with caplog.at_level(logging.WARNING, logger="crawler.extraction.generic"):
        assert generic.trafilatura_body(root, "http://news.example.cn/a/1.html") is None
        assert generic.readability_body(root, "http://news.example.cn/a/2.html") is None
    messages = [r.getMessage() for r in caplog.records]
    assert any("trafilatura" in m and "http://news.example.cn/a/1.html" in m and "library bug" in m for m in messages)
    assert any("readability" in m and "http://news.example.cn/a/2.html" in m and "library bug" in m for m in messages)


def test_a_batch_page_that_breaks_the_code_is_logged_and_recorded(monkeypatch, caplog):
    from crawler import batch_extract

    def boom(*args, **kwargs):
        raise RuntimeError("decoder bug")

    monkeypatch.setattr(batch_extract, "decode_html", boom)
    with caplog.at_level(logging.WARNING, logger="crawler.batch_extract"):
        result = batch_extract.extract_page(b"<html></html>", "http://news.example.cn/a/3.html")
    assert result["error"] == "extract_exception: RuntimeError: decoder bug"
    assert any("http://news.example.cn/a/3.html" in r.getMessage() and "decoder bug" in r.getMessage() for r in caplog.records)


def test_a_broken_source_module_stops_the_batch_extractor(tmp_path):
    """A real broken declaration (a source module whose import fails), in a copy of
    the package: the batch exits with the import error and the module's path, not a
    run of every page through the generic chain. (crawler.sources discovers its
    modules on import, so the error surfaces as the extractor's imports run.)"""
    shutil.copytree(PROJECT / "crawler", tmp_path / "crawler", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "crawler" / "sources" / "zz_broken.py").write_text(
        "from .base import SourceDecl\nimport no_such_module_for_this_test  # noqa: F401\n", encoding="utf-8"
    )
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>标题</title></head><body><p>正文</p></body></html>", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "crawler.batch_extract", str(page), "--url", "http://news.example.cn/a/1.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "no_such_module_for_this_test" in done.stderr and "zz_broken.py" in done.stderr
    # the copy itself works: without the broken module the same page is extracted
    (tmp_path / "crawler" / "sources" / "zz_broken.py").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "crawler.batch_extract", str(page), "--url", "http://news.example.cn/a/1.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["url"] == "http://news.example.cn/a/1.html"
