"""Write a Jekyll folder (``_posts/`` and ``category/``) from the store.

Idempotent: a file is written only when its content differs. Never writes
outside the target folder: file names are built from the date and a cleaned
id, and every path is checked to resolve inside the target.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from crawler.extraction.dates import CHINA_TZ
from crawler.store import Store
from crawler.post import yaml_scalar

_SAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")


class UnsafePath(ValueError):
    pass


def safe_component(value: str, *, max_len: int = 80) -> str:
    """A file-name part of letters, digits, ``_`` and ``-`` only; a value that
    needed cleaning gets a short hash so two ids never collide."""
    value = str(value or "")
    cleaned = _SAFE_RE.sub("-", value).strip("-._")[:max_len]
    if cleaned != value or not cleaned:
        cleaned = (cleaned + "-" if cleaned else "") + hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    return cleaned


def inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if root.resolve() not in target.parents:
        raise UnsafePath(f"refusing to write outside {root}: {relative!r}")
    return target


def category_page(slug: str, title: str) -> str:
    return "\n".join(["---", "layout: category", f"title: {yaml_scalar(title)}", f"category: {yaml_scalar(slug)}", "---", ""])


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    categories: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


def _write_if_changed(path: Path, content: str, report: ExportReport, root: Path) -> None:
    data = content.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        report.unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    report.written.append(str(path.relative_to(root.resolve())))


def _day(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date like 2022-06-08, not {value!r}") from None


def export_site(
    store: Store,
    out_dir: str | Path,
    *,
    since: str | None = None,
    until: str | None = None,
    sources: list[str] | None = None,
    ext: str = "md",
    keep_days: int = 0,
    archive_dir: str = "old_post",
    today: str | None = None,
) -> ExportReport:
    """Write the posts of stories published from ``since`` to ``until``
    (inclusive days, China time) and their category pages.

    With ``keep_days`` > 0, ``_posts/`` holds only the last ``keep_days`` days
    (counting today, China time); older posts go to ``archive_dir`` (and are
    moved there from ``_posts/`` if an earlier export put them there), as the
    predecessor did. The store keeps everything."""
    root = Path(out_dir)
    archive = safe_component(archive_dir) if archive_dir else "old_post"
    today_day = _day(today, "today") or datetime.now(CHINA_TZ).date().isoformat()
    cutoff = (date.fromisoformat(today_day) - timedelta(days=keep_days - 1)).isoformat() if keep_days > 0 else None
    root.mkdir(parents=True, exist_ok=True)
    since, until = _day(since, "since"), _day(until, "until")
    ext = safe_component(ext.lstrip(".")) if ext else "md"
    report = ExportReport()
    categories: dict[str, str] = {}
    where, params = [], []
    if sources:
        where.append(f"source IN ({', '.join('?' * len(sources))})")
        params.extend(sources)
    sql = "SELECT id, published_at, slug, tag, post FROM stories"
    if where:
        sql += " WHERE " + " AND ".join(where)
    for row in store.db.query(sql + " ORDER BY published_at, id", params):
        day = datetime.fromisoformat(row["published_at"]).astimezone(CHINA_TZ).date().isoformat()
        if (since and day < since) or (until and day > until):
            continue
        name = f"{day}-{safe_component(row['id'])}.{ext}"
        folder, other = ("_posts", archive) if cutoff is None or day >= cutoff else (archive, "_posts")
        _write_if_changed(inside(root, f"{folder}/{name}"), row["post"], report, root)
        stale = inside(root, f"{other}/{name}")
        if stale.is_file():
            stale.unlink()
            report.moved.append(f"{other}/{name} → {folder}/{name}")
        # a story whose publication day changed must not keep its post under the old day
        for old_folder in (folder, other):
            for old in (root / old_folder).glob(f"????-??-??-{safe_component(row['id'])}.{ext}"):
                if old.name != name and old.is_file():
                    old.unlink()
                    report.moved.append(f"{old_folder}/{old.name} → {folder}/{name}")
        categories.setdefault(safe_component(row["slug"]), row["tag"])
    for slug, title in sorted(categories.items()):
        path = inside(root, f"category/{slug}.html")
        _write_if_changed(path, category_page(slug, title), report, root)
        report.categories.add(slug)
    return report
