"""A small vulnerable server for the injection rules' engine test (stdlib only, loopback, bounded).

Started by test_rule_strength.py as `python injection_target.py PORT`. The command "shell" is an
emulator (nothing runs), sleeps are capped at 5 s, the database is SQLite in memory with `sleep` and
`pg_sleep` registered as functions so MySQL- and PostgreSQL-style time-based payloads work. Traps: /echo
(escaped), /slow (1.5 s for period=year only), /calc (expression shown, never evaluated), /doc (static
text with SQL error and passwd strings), /clean (a parameter nothing is done with).
"""

import contextlib
import html
import http.server
import re
import sqlite3
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("create table p(id integer primary key, stock integer)")
DB.executemany("insert into p values(?,?)", [(i, i * 3) for i in range(1, 20)])
LOCK = threading.Lock()


def _sleep(s):
    time.sleep(min(float(s or 0), 5))
    return 0


DB.create_function("sleep", 1, _sleep)
DB.create_function("pg_sleep", 1, _sleep)

PASSWD = "root:x:0:0:root:/root:/bin/bash\n"


def shell(line):
    out = []
    for part in re.split(r";|\|\||&&|\||&|\n", line):
        part = part.strip()
        m = re.match(r"^\$\((.*)\)$|^`(.*)`$", part)
        if m:
            part = (m.group(1) or m.group(2)).strip()
        for sub in re.findall(r"\$\(([^)]*)\)|`([^`]*)`", part):
            out.append(shell(sub[0] or sub[1]))
        if part.startswith("cat /etc/passwd"):
            out.append(PASSWD)
        elif part.startswith("sleep "):
            with contextlib.suppress(ValueError):
                time.sleep(min(float(part.split()[1]), 5))
        elif part == "ver":
            out.append("Microsoft Windows [Version 10.0.19045.1]")
    return "".join(out)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, body, status=200, headers=()):
        b = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        q = parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
        if self.path == "/lookup":
            shell("nslookup " + q.get("domain", [""])[0])
            return self._send("<p>done</p>")
        self._send("no", 404)

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        p = u.path
        if p == "/":
            return self._send(
                "".join(
                    f"<a href='{link}'>x</a>"
                    for link in (
                        "/ping?host=127.0.0.1",
                        "/lang?set=en",
                        "/greet?name=guest",
                        "/stock?id=1",
                        "/echo?q=a",
                        "/clean?v=1",
                        "/slow?period=year",
                        "/calc?expr=7*7",
                        "/doc?x=1",
                    )
                )
                + "<form method=post action=/lookup><input name=domain value=example></form>"
            )
        if p == "/ping":
            return self._send("<pre>" + html.escape(shell("ping -c 1 " + q.get("host", ""))) + "</pre>")
        if p == "/lang":
            return self._send("<p>ok</p>", headers=[("Set-Cookie", "lang=" + q.get("set", "") + "; Path=/")])
        if p == "/greet":
            name = q.get("name", "")

            def ev(m):
                e = m.group(1)
                if len(e) > 40 or not re.fullmatch(r"[\d+\-*/() ]+", e):
                    return m.group(0)
                try:
                    return str(int(eval(e, {"__builtins__": {}})))
                except Exception:
                    return m.group(0)

            return self._send("<p>Hello " + re.sub(r"\{\{\s*(.*?)\s*\}\}", ev, html.escape(name)) + "</p>")
        if p == "/stock":
            try:
                with LOCK:
                    row = DB.execute("select stock from p where id = " + q.get("id", "")).fetchone()
            except Exception:
                row = None
            return self._send(f"<p>In stock: {row[0]}</p>" if row else "<p>Not found</p>")
        if p == "/echo":
            return self._send("<p>" + html.escape(q.get("q", "")) + "</p>")
        if p == "/clean":
            return self._send("<p>static page 49 root</p>")
        if p == "/slow":
            if q.get("period") == "year":
                time.sleep(1.5)
            return self._send("<p>report</p>")
        if p == "/calc":
            return self._send("<p>" + html.escape(q.get("expr", "")) + "</p>")
        if p == "/doc":
            return self._send("<p>You have an error in your SQL syntax; root:x:0:0: Index of / 1349033</p>")
        self._send("nf", 404)


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
