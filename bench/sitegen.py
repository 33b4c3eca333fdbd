"""A synthetic N-page site on loopback for bench_site.py, served from memory by the standard library.

Every page links five others and has a form (as the site measured in issue 13): page i links pages
5i+1 … 5i+5 (mod N), so a breadth-first crawl reaches all N pages within about log5(N) + 1 levels. The form
posts to /submit/<i>, which answers with a short page without links. Nothing else is served (404).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LINKS_PER_PAGE = 5


def page_path(index: int) -> str:
    return "/" if index == 0 else f"/page/{index}"


def page_html(index: int, pages: int) -> str:
    links = "\n".join(
        f'<li><a href="{page_path((index * LINKS_PER_PAGE + k) % pages)}">page {(index * LINKS_PER_PAGE + k) % pages}</a></li>'
        for k in range(1, LINKS_PER_PAGE + 1)
    )
    return (
        f"<!doctype html><html><head><title>Page {index}</title></head><body>\n"
        f"<h1>Page {index} of {pages}</h1>\n<ul>\n{links}\n</ul>\n"
        f'<form method="post" action="/submit/{index}">\n'
        '<input type="text" name="comment" value=""><input type="submit" value="Send">\n'
        "</form>\n</body></html>\n"
    )


def _handler(pages: int) -> type[BaseHTTPRequestHandler]:
    class SiteHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, page_html(0, pages))
                return
            prefix, _, number = path.rpartition("/")
            if prefix == "/page" and number.isdigit() and 0 < int(number) < pages:
                self._send(200, page_html(int(number), pages))
            else:
                self._send(404, "<html><body>not found</body></html>")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(min(length, 65536))
            prefix, _, number = self.path.split("?", 1)[0].rpartition("/")
            if prefix == "/submit" and number.isdigit() and int(number) < pages:
                self._send(200, f"<html><body><p>Thanks for your comment on page {number}.</p></body></html>")
            else:
                self._send(404, "<html><body>not found</body></html>")

        def log_message(self, format: str, *args: object) -> None:
            pass  # thousands of requests: keep the bench's output to its table

    return SiteHandler


@contextmanager
def serve_site(pages: int) -> Iterator[str]:
    """Serves an N-page site on 127.0.0.1 (a free port) in a thread; yields its root URL."""
    if pages < 1:
        raise ValueError("a site needs at least one page")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"site-{pages}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
