"""Serve a mirror folder (laid out by host and path) on 127.0.0.1.

    python -m crawler.mirror_server tests/mirror --port 8000
    scrapy crawl chinadevelopment -s MIRROR_URL=http://127.0.0.1:8000

``GET /HOST/PATH?QUERY`` serves ``DIR/HOST/PATH?QUERY`` (the query is part of
the file name), else ``DIR/HOST/PATH``; a path ending in ``/`` serves the
folder's ``index.html``. A sidecar ``FILE.http`` (JSON ``{"status": 404,
"headers": {...}}``) sets the status and headers, e.g. a wrong charset.
Without one, HTML is served as ``text/html`` with no charset, and JSON as
``application/json; charset=utf-8``. Every file has an ETag (content hash)
and Last-Modified (mtime); conditional requests get 304. Nothing outside DIR
is ever served.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import sys
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

INDEX_NAMES = ("index.html", "index.shtml", "index.htm")


def resolve(root: Path, raw_path: str) -> Path | None:
    """The file for a request path inside ``root``, or None."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    candidates = []
    if parts.query:
        candidates.append(path + "?" + unquote(parts.query))
    if path.endswith("/"):
        candidates.extend(path + name for name in INDEX_NAMES)
    else:
        candidates.append(path)
        candidates.extend(path + "/" + name for name in INDEX_NAMES)
    root = root.resolve()
    for candidate in candidates:
        target = (root / candidate.lstrip("/")).resolve()
        if target != root and root not in target.parents:
            continue
        if target.is_file() and not target.name.endswith(".http"):
            return target
    return None


def content_type_for(target: Path, body: bytes) -> str:
    if "?" in target.name or target.suffix == ".json" or body.lstrip()[:1] in (b"{", b"["):
        return "application/json; charset=utf-8"
    if target.suffix in (".html", ".htm", ".shtml"):
        return "text/html"
    return mimetypes.guess_type(target.name)[0] or "application/octet-stream"


def make_handler(root: Path):
    class MirrorHandler(BaseHTTPRequestHandler):
        server_version = "mirror/1"

        def do_GET(self):  # noqa: N802 (http.server naming)
            target = resolve(root, self.path)
            if target is None:
                self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"not in mirror\n")
                return
            body = target.read_bytes()
            mtime = int(target.stat().st_mtime)
            status = 200
            headers = {
                "Content-Type": content_type_for(target, body),
                "ETag": '"' + hashlib.sha1(body).hexdigest()[:16] + '"',
                "Last-Modified": formatdate(mtime, usegmt=True),
            }
            sidecar = target.with_name(target.name + ".http")
            if sidecar.is_file():
                spec = json.loads(sidecar.read_text(encoding="utf-8"))
                status = int(spec.get("status", 200))
                headers.update(spec.get("headers", {}))
            if status == 200 and self._not_modified(headers["ETag"], mtime):
                self._send(304, {"ETag": headers["ETag"], "Last-Modified": headers["Last-Modified"]}, b"")
                return
            self._send(status, headers, body)

        def _not_modified(self, etag: str, mtime: int) -> bool:
            asked_etag = self.headers.get("If-None-Match")
            if asked_etag is not None:
                return etag in [t.strip() for t in asked_etag.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return mtime <= int(parsedate_to_datetime(since).timestamp())
                except (TypeError, ValueError):
                    return False
            return False

        def _send(self, status, headers, body):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            if getattr(self.server, "verbose", False):
                super().log_message(fmt, *args)

    return MirrorHandler


class MirrorServer(ThreadingHTTPServer):
    """The mirror's server; ``verbose`` turns on the handler's request log."""

    verbose = False


def serve(root: str | Path, port: int = 0, host: str = "127.0.0.1", verbose: bool = False) -> MirrorServer:
    """Start serving in a background thread; returns the server (``server_address`` has the port)."""
    server = MirrorServer((host, port), make_handler(Path(root)))
    server.verbose = verbose
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Serve a mirror folder laid out by host/path on 127.0.0.1.")
    parser.add_argument("root", help="mirror folder, e.g. tests/mirror")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not Path(args.root).is_dir():
        print(f"error: mirror folder {args.root!r} does not exist", file=sys.stderr)
        return 2
    server = MirrorServer(("127.0.0.1", args.port), make_handler(Path(args.root)))
    server.verbose = not args.quiet
    print(f"serving {args.root} at http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
