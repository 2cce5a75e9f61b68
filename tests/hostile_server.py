"""A small hostile HTTP server on 127.0.0.1, for tests/test_hostile.py and
bench/hostile_memory.py: bombs are generated while they are sent (a gigabyte
of gzip is never held in memory or written to disk).

    server = HostileServer()
    server.route("/bomb.html", body=gzip_stream([(b"<html>", 1), (b"\\0" * MB, 1024)]),
                 headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    url = server.url("/bomb.html")
"""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MB = 1024 * 1024


def gzip_stream(parts: Iterable[tuple[bytes, int]]) -> Callable[[], Iterator[bytes]]:
    """A gzip member of ``chunk * repeat`` for each (chunk, repeat), made lazily.

    Each distinct chunk is compressed once, after a full flush (which resets
    the deflate history), so its compressed form can be sent ``repeat`` times:
    10 GB of whitespace costs a few MB of CPU work, not a minute.
    """
    parts = list(parts)

    def generate() -> Iterator[bytes]:
        yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"    # gzip header, no name/time
        crc, size = 0, 0
        for chunk, repeat in parts:
            deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
            compressed = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
            for _ in range(repeat):
                yield compressed
                # zlib has no crc32_combine: feeding the chunk is cheap next to compressing it
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
        yield b"\x03\x00"                                     # an empty final block
        yield struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)

    return generate


def plain_stream(parts: Iterable[tuple[bytes, int]]) -> Callable[[], Iterator[bytes]]:
    parts = list(parts)

    def generate() -> Iterator[bytes]:
        for chunk, repeat in parts:
            for _ in range(repeat):
                yield chunk

    return generate


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[], Iterator[bytes]] | bytes = b""
    length: bool = True   # send Content-Length (when the body is bytes)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):   # quiet
        pass

    def do_GET(self):
        self.server.requested.append(self.path)
        route = self.server.routes.get(self.path) or self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value.replace("{port}", str(self.server.server_address[1])))
        body = route.body
        if isinstance(body, bytes):
            if route.length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass   # the crawler hung up: that is what a cap does
            return
        # a generated body: no Content-Length, the end is the connection's close
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for chunk in body():
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the crawler hung up: that is what a cap does
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    requested: list[str]


class HostileServer:
    """A threaded server on 127.0.0.1 (a free port) answering from ``routes``."""

    def __init__(self):
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.routes = {}
        self.httpd.requested = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def requested(self) -> list[str]:
        return self.httpd.requested

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, status: int = 200, headers: dict | None = None, body=b"", length: bool = True) -> str:
        self.httpd.routes[path] = Route(status, dict(headers or {}), body, length)
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def article_page(title: str, paragraph: str = "这是一篇用于测试的新闻正文，内容足够长，可以通过正文长度的检查。") -> bytes:
    """A small article page the generic extractor stores (title, date, body)."""
    body = "".join(f"<p>{paragraph}第{i}段。</p>" for i in range(6))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='article:published_time' content='2022-06-08T11:39:00+08:00'></head>"
        f"<body><h1>{title}</h1><div class='info'>2022-06-08 11:39 来源：测试日报</div>"
        f"<div class='article'>{body}</div></body></html>"
    ).encode()


def wait_until(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
