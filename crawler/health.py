"""Source health: each run is judged against the source's own history.

Pure functions over run rows (``runs`` table, with ``stats`` decoded):

- ``no_new_stories``: no new story for much longer than the source's usual gap;
- ``extraction_fallback_jump``: the share of article pages that fell back to
  generic extraction or failed extraction jumped (a redesign broke the rules);
- ``http_error_jump``: the share of requests that failed (HTTP ≥ 400 or
  network errors) jumped.

Each flag carries its evidence (the numbers compared) so an operator can see
why a source was flagged.
"""

from __future__ import annotations

import json
import logging
import shlex
import statistics
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from tenacity import retry, stop_after_attempt, stop_after_delay, wait_exponential

from . import stats_keys

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthSettings:
    min_history: int = 2            # runs needed before comparing shares
    min_pages: int = 3              # pages in this run before a share means anything
    share_jump: float = 0.3         # flag when a share rises this much above its usual level
    stale_factor: float = 3.0       # flag when the gap since the last new story exceeds factor × usual gap
    min_stale_hours: float = 24.0   # … and at least this many hours

    @classmethod
    def from_settings(cls, settings) -> HealthSettings:
        return cls(
            min_history=settings.getint("HEALTH_MIN_HISTORY", cls.min_history),
            min_pages=settings.getint("HEALTH_MIN_PAGES", cls.min_pages),
            share_jump=settings.getfloat("HEALTH_SHARE_JUMP", cls.share_jump),
            stale_factor=settings.getfloat("HEALTH_STALE_FACTOR", cls.stale_factor),
            min_stale_hours=settings.getfloat("HEALTH_MIN_STALE_HOURS", cls.min_stale_hours),
        )


@dataclass(frozen=True)
class Flag:
    check: str
    message: str
    evidence: dict

    def as_dict(self) -> dict:
        return asdict(self)


def _stats(run: dict) -> dict:
    stats = run.get("stats")
    if isinstance(stats, str):
        try:
            return json.loads(stats)
        except ValueError:
            return {}
    return stats or {}


def fallback_share(stats: dict) -> tuple[float | None, int]:
    """(share of article pages extracted generically or not at all, pages)."""
    site = stats.get(stats_keys.EXTRACT_SITE, 0)
    generic = stats.get(stats_keys.EXTRACT_GENERIC, 0)
    failed = stats.get(stats_keys.FETCH_FAILED_EXTRACTION, 0) + sum(
        v for k, v in stats.items() if k.startswith(stats_keys.VALIDATE_DROPPED_PREFIX) and k not in (stats_keys.VALIDATE_DROPPED_NO_DATE,)
    )
    pages = site + generic + stats.get(stats_keys.EXTRACT_NONE, 0)
    if pages == 0:
        return None, 0
    return min(1.0, (generic + failed) / pages), pages


def http_error_share(stats: dict) -> tuple[float | None, int]:
    requests = stats.get(stats_keys.DOWNLOADER_REQUESTS, 0)
    if requests == 0:
        return None, 0
    errors = sum(v for k, v in stats.items() if k.startswith(stats_keys.DOWNLOADER_STATUS_PREFIX) and int(k.rsplit("/", 1)[1]) >= 400)
    errors += stats.get(stats_keys.DOWNLOADER_EXCEPTIONS, 0)
    return min(1.0, errors / requests), requests


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _share_jump(name: str, label: str, measure, history: list[dict], current: dict, cfg: HealthSettings) -> Flag | None:
    share, n = measure(_stats(current))
    if share is None or n < cfg.min_pages:
        return None
    past = [s for s, m in (measure(_stats(r)) for r in history) if s is not None and m >= cfg.min_pages]
    if len(past) < cfg.min_history:
        return None
    usual = statistics.median(past)
    if share - usual < cfg.share_jump:
        return None
    return Flag(
        name,
        f"{label}: {share:.0%} of {n} this run, usually {usual:.0%}",
        {"share": round(share, 3), "usual_share": round(usual, 3), "count": n, "history_runs": len(past)},
    )


def check_run(history: list[dict], current: dict, *, now: datetime | None = None, cfg: HealthSettings | None = None) -> list[Flag]:
    """Flags for ``current`` given earlier runs of the same source (oldest first)."""
    cfg = cfg or HealthSettings()
    now = now or datetime.now(timezone.utc)
    flags = []
    for flag in (
        _share_jump("extraction_fallback_jump", "pages that fell back to generic or failed extraction", fallback_share, history, current, cfg),
        _share_jump("http_error_jump", "requests that failed", http_error_share, history, current, cfg),
    ):
        if flag:
            flags.append(flag)
    started = [_parse_time(r.get("started_at")) for r in history + [current] if (r.get("stored") or 0) > 0]
    productive = [t for t in started if t is not None]
    if len(productive) >= 3:
        gaps = [(b - a).total_seconds() / 3600 for a, b in zip(productive, productive[1:]) if b > a]
        if gaps:
            usual = statistics.median(gaps)
            since = (now - productive[-1]).total_seconds() / 3600
            limit = max(cfg.stale_factor * usual, cfg.min_stale_hours)
            if since > limit:
                flags.append(
                    Flag(
                        "no_new_stories",
                        f"no new story for {since:.1f} h, usually one every {usual:.1f} h",
                        {"hours_since_last_new": round(since, 1), "usual_gap_hours": round(usual, 1), "limit_hours": round(limit, 1),
                         "last_new_run_started": productive[-1].isoformat()},
                    )
                )
    return flags


def notify(payload: dict, *, command: str | None = None, webhook: str | None = None, timeout: float = 5.0) -> list[str]:
    """Call the alert hooks; returns the problems (never raises).

    ``timeout`` bounds each hook in all, retries included (a webhook that never
    answers costs ``timeout`` seconds, not three times a socket timeout). Called
    off the reactor thread by the run log."""
    problems = []
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")

    def bounded(call):
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(0.2, deadline - time.monotonic())

        return retry(
            stop=stop_after_attempt(3) | stop_after_delay(timeout), wait=wait_exponential(multiplier=0.2, max=2), reraise=True
        )(lambda: call(left()))

    def run_command(seconds: float):
        subprocess.run(shlex.split(command), input=body, check=True, timeout=seconds, capture_output=True)

    def post_webhook(seconds: float):
        if webhook is None:  # the loop below calls it only when a webhook is set
            raise ValueError("no webhook to call")
        request = urllib.request.Request(webhook, data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=seconds) as response:
            if response.status >= 400:
                raise OSError(f"webhook answered HTTP {response.status}")

    for hook, name in ((command and run_command, "command"), (webhook and post_webhook, "webhook")):
        if not hook:
            continue
        try:
            bounded(hook)()
        except Exception as exc:  # an alert that cannot be sent must not break the crawl
            problems.append(f"alert {name} failed: {type(exc).__name__}: {exc}")
            logger.error("alert %s failed: %s", name, exc)
    return problems
