"""Write a Jekyll folder (``_posts/`` and ``category/``) from the store.

Idempotent: a file is written only when its content differs. Never writes
outside the target folder: file names are built from the date and a cleaned
id, and every folder is checked to resolve inside the target.

Crash- and concurrency-safe: files are written in a temp folder of this export
(``OUT/.export-tmp-<pid>-<random>/``, a dot folder Jekyll never reads) and
renamed into place, so a killed export leaves no half-written or temp file in
``_posts/``; a later export removes the temp folders of exports that are gone
(and ``*.tmp`` files earlier versions left in the post folders). Two exports at
once each use their own temp folder and both succeed.

Linear: each folder is listed once (one ``scandir``), existing files are
matched to stories in memory, and a file is read only when its size equals
the new content's.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from crawler.extraction.dates import CHINA_TZ
from crawler.post import harden_post, inert_text, yaml_scalar
from crawler.store import Store

_SAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")
TMP_PREFIX = ".export-tmp-"
# a temp folder whose process still runs is left alone unless it is this old (a reused pid)
STALE_TMP_SECONDS = 6 * 3600


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
    return "\n".join(["---", "layout: category", f"title: {yaml_scalar(inert_text(title))}", f"category: {yaml_scalar(slug)}", "---", ""])


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    categories: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)   # one warning line per story not exported
    undated: int = 0                                   # stories stored without a date: held back, no post yet
    cleaned: list[str] = field(default_factory=list)   # temp leftovers of killed exports, removed

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _remove_stale_temp(root: Path, report: ExportReport) -> None:
    """Temp folders of exports that no longer run (killed with -9, power loss)."""
    now = time.time()
    for entry in os.scandir(root):
        if not entry.name.startswith(TMP_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(TMP_PREFIX):].split("-", 1)[0]
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if pid.isdigit() and _pid_alive(int(pid)) and age < STALE_TMP_SECONDS:
            continue  # another export is running right now
        shutil.rmtree(entry.path, ignore_errors=True)
        report.cleaned.append(entry.name + "/")


class _Folder:
    """One output folder, listed once: file name → size."""

    def __init__(self, root: Path, name: str, report: ExportReport):
        self.name = name
        self.path = inside(root, name)
        self.files: dict[str, int] = {}
        if self.path.is_dir():
            for entry in os.scandir(self.path):
                if entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                    # left inside the folder by an export killed mid-write (older versions)
                    _unlink(Path(entry.path))
                    report.cleaned.append(f"{name}/{entry.name}")
                elif entry.is_file():
                    try:
                        self.files[entry.name] = entry.stat().st_size
                    except FileNotFoundError:
                        pass
        self.by_id: dict[str, list[str]] | None = None

    def names_for(self, id_part: str, ext: str) -> list[str]:
        """Existing posts of one story id (any day)."""
        if self.by_id is None:
            self.by_id = {}
            suffix = "." + ext
            for name in self.files:
                if _POST_NAME_RE.match(name) and name.endswith(suffix):
                    self.by_id.setdefault(name[11:-len(suffix)], []).append(name)
        return self.by_id.get(id_part, [])


_POST_NAME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:  # a concurrent export got there first
        return False


class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.tmp_dir: Path | None = None

    def write_if_changed(self, folder: _Folder, name: str, content: str, report: ExportReport) -> None:
        data = content.encode("utf-8")
        path = folder.path / name
        if folder.files.get(name) == len(data):
            try:
                if path.read_bytes() == data:
                    report.unchanged += 1
                    return
            except OSError:
                pass
        if self.tmp_dir is None:
            self.tmp_dir = self.root / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            self.tmp_dir.mkdir()
        folder.path.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp_dir / f"{folder.name}-{name}"
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: readers and Jekyll see the old file or the new one
        folder.files[name] = len(data)
        report.written.append(f"{folder.name}/{name}")

    def close(self) -> None:
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _publication_day(value) -> str:
    """China-time day of a stored ``published_at``; ValueError/OverflowError when
    it is not a date or out of range (year 9999 with a negative offset)."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # the store writes offsets; a bare value is China time
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(CHINA_TZ).date().isoformat()


def _day(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date like 2022-06-08, not {value!r}") from None


# a story that is its cluster's origin, or has no cluster (a store before m004)
_ORIGIN_OR_ALONE = ("(cluster_id IS NULL OR id = (SELECT c.origin_story_id FROM clusters c "
                    "WHERE c.id = stories.cluster_id))")
_COPIES_SQL = f"SELECT id FROM stories WHERE NOT {_ORIGIN_OR_ALONE}"


def _remove_posts(folders: dict, archive: str, id_part: str, ext: str, report: ExportReport) -> None:
    """Posts of a story that is no longer exported on its own (a copy in a cluster)."""
    for folder in (folders["_posts"], folders[archive]):
        for old in list(folder.names_for(id_part, ext)):
            if old in folder.files:
                del folder.files[old]
                if _unlink(folder.path / old):
                    report.moved.append(f"{folder.name}/{old} → (copy: its cluster's origin is exported)")


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
    every_copy: bool = False,
) -> ExportReport:
    """Write the posts of stories published from ``since`` to ``until``
    (inclusive days, China time) and their category pages.

    With ``keep_days`` > 0, ``_posts/`` holds only the last ``keep_days`` days
    (counting today, China time); older posts go to ``archive_dir`` (and are
    moved there from ``_posts/`` if an earlier export put them there), as the
    predecessor did. The store keeps everything.

    One post per syndication cluster (the origin's) unless ``every_copy``:
    near-duplicate copies of one story by other outlets would otherwise be
    posted again and again. A copy's post left by an earlier export (a copy
    that was exported before its origin arrived) is removed."""
    root = Path(out_dir)
    archive = safe_component(archive_dir) if archive_dir else "old_post"
    today_day = _day(today, "today") or datetime.now(CHINA_TZ).date().isoformat()
    cutoff = (date.fromisoformat(today_day) - timedelta(days=keep_days - 1)).isoformat() if keep_days > 0 else None
    root.mkdir(parents=True, exist_ok=True)
    since, until = _day(since, "since"), _day(until, "until")
    ext = safe_component(ext.lstrip(".")) if ext else "md"
    report = ExportReport()
    _remove_stale_temp(root, report)
    folders = {name: _Folder(root, name, report) for name in ("_posts", archive, "category")}
    writer = _Writer(root)
    categories: dict[str, str] = {}
    where, params = [], []
    if sources:
        where.append(f"source IN ({', '.join('?' * len(sources))})")
        params.extend(sources)
    if not every_copy:
        for row in store.db.query(_COPIES_SQL):
            _remove_posts(folders, archive, safe_component(row["id"]), ext, report)
        where.append(_ORIGIN_OR_ALONE)
    sql = "SELECT id, published_at, slug, tag, post FROM stories"
    if where:
        sql += " WHERE " + " AND ".join(where)
    # an undated story has no post (its date belongs in the front matter and in
    # the file name): held back and counted until a later fetch finds its date
    report.undated = store.db.execute(
        "SELECT count(*) FROM stories WHERE (published_at IS NULL OR post IS NULL)" + "".join(f" AND {w}" for w in where), params
    ).fetchone()[0]
    where.append("published_at IS NOT NULL AND post IS NOT NULL")
    sql = "SELECT id, published_at, slug, tag, post FROM stories WHERE " + " AND ".join(where)
    try:
        for row in store.db.query(sql + " ORDER BY published_at, id", params):
            try:
                day = _publication_day(row["published_at"])
            except (ValueError, OverflowError, TypeError) as exc:
                report.skipped.append(f"story {row['id']!r}: published_at {row['published_at']!r} is not a usable date ({exc}); not exported")
                continue
            if (since and day < since) or (until and day > until):
                continue
            id_part = safe_component(row["id"])
            name = f"{day}-{id_part}.{ext}"
            folder, other = (folders["_posts"], folders[archive]) if cutoff is None or day >= cutoff else (folders[archive], folders["_posts"])
            writer.write_if_changed(folder, name, harden_post(row["post"]), report)
            if name in other.files:
                del other.files[name]
                if _unlink(other.path / name):
                    report.moved.append(f"{other.name}/{name} → {folder.name}/{name}")
            # a story whose publication day changed must not keep its post under the old day
            for old_folder in (folder, other):
                for old in list(old_folder.names_for(id_part, ext)):
                    if old != name and old in old_folder.files:
                        del old_folder.files[old]
                        if _unlink(old_folder.path / old):
                            report.moved.append(f"{old_folder.name}/{old} → {folder.name}/{name}")
            categories.setdefault(safe_component(row["slug"]), row["tag"])
        for slug, title in sorted(categories.items()):
            writer.write_if_changed(folders["category"], f"{slug}.html", category_page(slug, title), report)
            report.categories.add(slug)
    finally:
        writer.close()
    return report
