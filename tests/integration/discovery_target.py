"""A small server for the discovery rules' engine test (stdlib only, loopback, bounded, in memory).

Started by test_discovery_rules.py as `python discovery_target.py PORT`. Site layout (all linked from /):
- leaks: `/static/style.css.bak` (a copy of the linked style.css), `/config.php.bak`, `/.env`, `/.git/config`,
  `/files/` (a directory listing), `X-Powered-By` and a versioned `Server` on every answer;
- stored XSS: `POST /guestbook` (`name`, `comment`, 303 to `/guestbook`, shown raw there);
- multipart: `POST /upload` (file field `document`, text field `title`), the file name and title echoed raw;
- fixed twins: `/safe/guestbook` and `/safe/upload` (escaped), `/safe/` has no leaks;
- traps: `/trap/...` answers 200 with the home page for any name (soft 404), `/trap/docs` quotes error text,
  "Index of /" and a .env line.
"""

import html
import http.server
import re
import sys
import threading
from collections import deque
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
# The last 50 entries of each guestbook (bounded).
BOOKS: dict[str, deque[tuple[str, str]]] = {
    "/guestbook": deque(maxlen=50),
    "/safe/guestbook": deque(maxlen=50),
}

STYLE = "body { font-family: sans-serif; }\n"
HOME = """<html><head><title>Shop</title><link rel="stylesheet" href="/static/style.css"></head><body>
<h1>Shop</h1>
<a href="/guestbook">Guestbook</a> <a href="/upload">Upload</a> <a href="/files/">Files</a>
<a href="/safe/guestbook">Safe guestbook</a> <a href="/safe/upload">Safe upload</a> <a href="/safe/about.html">About</a>
<a href="/trap/">Trap</a> <a href="/trap/index.html">Trap index</a> <a href="/trap/docs">Docs</a>
</body></html>
"""
LEAKS = {
    "/static/style.css.bak": ("text/plain", STYLE),
    "/config.php.bak": ("text/plain", "<?php\n$db_password = 'not-a-real-secret';\n"),
    "/.env": ("text/plain", "APP_ENV=production\nDB_PASSWORD=not-a-real-secret\n"),
    "/.git/config": ("text/plain", '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n'),
    "/files/": (
        "text/html",
        "<html><head><title>Directory listing for /files/</title></head><body>"
        '<h1>Directory listing for /files/</h1><ul><li><a href="price-list.txt">price-list.txt</a></li></ul>'
        "</body></html>",
    ),
    "/files/price-list.txt": ("text/plain", "jacket 40\n"),
}
DOCS = """<html><head><title>Docs</title></head><body><h1>Error messages explained</h1>
<p>"You have an error in your SQL syntax" and "sqlite3.OperationalError" mean a query failed.</p>
<p>A listing titled "Index of /" shows a folder; an .env line looks like DB_PASSWORD=secret.</p>
</body></html>
"""


def page(title, body):
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


def book(path, escape):
    with LOCK:
        entries = list(BOOKS[path])
    show = html.escape if escape else (lambda s: s)
    items = "".join(f"<li>{show(n)}: {show(c)}</li>" for n, c in entries)
    form = (
        f'<form method="post" action="{path.rsplit("/", 1)[1]}"><input name="name" value="guest">'
        '<input name="comment" value="hello"><input type="submit"></form>'
    )
    return page("Guestbook", f"<ul>{items}</ul>{form}")


def upload_form(action):
    return page(
        "Upload",
        f'<form method="post" action="{action}" enctype="multipart/form-data"><input name="title" value="doc">'
        '<input type="file" name="document"><input type="submit"></form>',
    )


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoShop/1.4.2"
    sys_version = ""

    def _send(self, body, status=200, ctype="text/html; charset=utf-8", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Powered-By", "DemoShop/1.4 (Python/3.11)")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/":
            return self._send(HOME)
        if path == "/static/style.css":
            return self._send(STYLE, ctype="text/css")
        if path in LEAKS:
            ctype, body = LEAKS[path]
            return self._send(body, ctype=ctype)
        if path in BOOKS:
            return self._send(book(path, escape=path.startswith("/safe/")))
        if path == "/upload":
            return self._send(upload_form("upload"))
        if path == "/safe/upload":
            return self._send(upload_form("upload"))
        if path == "/safe/about.html":
            return self._send(page("About", "<p>A shop.</p>"))
        if path == "/trap/docs":
            return self._send(DOCS)
        if path.startswith("/trap/"):
            return self._send(HOME)  # soft 404: every name answers the home page
        self._send(page("Not found", ""), status=404)

    def _body(self):
        n = min(int(self.headers.get("Content-Length") or 0), 100_000)
        return self.rfile.read(n)

    def do_POST(self):
        path = urlsplit(self.path).path
        raw = self._body()
        if path in BOOKS:
            form = parse_qs(raw.decode("utf-8", "replace"))
            with LOCK:
                BOOKS[path].append((form.get("name", [""])[0][:200], form.get("comment", [""])[0][:500]))
            return self._send("", status=303, headers=[("Location", path)])
        if path in ("/upload", "/safe/upload"):
            title, filename = self._multipart(raw)
            show = html.escape if path.startswith("/safe/") else (lambda s: s)
            return self._send(page("Uploaded", f"<p>{show(title)}</p><p>Stored {show(filename)}</p>"))
        self._send(page("Not found", ""), status=404)

    def _multipart(self, raw):
        ctype = self.headers.get("Content-Type", "")
        if "multipart/form-data" not in ctype:
            return "", ""
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
        title = filename = ""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "title":
                title = part.get_content() if isinstance(part.get_content(), str) else ""
            elif name == "document":
                filename = re.split(r"[\\/]", part.get_filename() or "")[-1]
        return title[:500], filename[:500]


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
