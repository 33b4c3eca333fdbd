#!/usr/bin/env python3
"""DemoShop - a small, DELIBERATELY VULNERABLE web application.

This is the demo scan target for `dast`. It contains intentional security
flaws (reflected and stored XSS, SQL injection (blind too), path traversal,
open redirect, emulated OS command injection, template injection, CRLF
injection, backup/hidden files, directory listing, insecure cookies, missing
security headers, version and error disclosure), some of them only reachable
after logging in to the member area (a login form with a CSRF token and a
server-side session). With DEMO_FIXED=1 it is the "fixed twin": the same pages
with every vulnerability repaired. The /trap/ pages look vulnerable in both
modes but are not.

NEVER expose it to a network you do not control. Run it on loopback or inside
an isolated container only.

Standard library only:

    python3 demo-app/app.py --host 127.0.0.1 --port 8000

Defaults: host 0.0.0.0, port 8000 (overridable with DEMO_HOST / DEMO_PORT).
"""

import argparse
import hmac
import html
import json
import os
import re
import secrets
import signal
import sqlite3
import sys
import threading
import time
import traceback
from collections import deque
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

import emulators

# The fixed twin: same pages, every vulnerability repaired (the traps stay, they are safe).
FIXED = os.environ.get("DEMO_FIXED", "") == "1"
SERVER_BANNER = "DemoShop" if FIXED else "DemoShop/1.4.2"
POWERED_BY = "DemoShop/1.4 (Python/3.11)"
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
]
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
FILES_DIR = os.path.join(BASE_DIR, "files")
STATIC_DIR = os.path.join(BASE_DIR, "static")

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

# --------------------------------------------------------------------------
# Database (in-memory sqlite, one shared connection guarded by a lock)
# --------------------------------------------------------------------------

_db_lock = threading.Lock()
_db = sqlite3.connect(":memory:", check_same_thread=False)
_db.executescript(
    """
    CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL);
    INSERT INTO products VALUES (1, 'Running shoes', 79.90);
    INSERT INTO products VALUES (2, 'Rain jacket', 120.00);
    INSERT INTO products VALUES (3, 'Wool socks', 9.50);
    INSERT INTO products VALUES (4, 'Backpack', 64.00);

    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, product_id INTEGER,
                         quantity INTEGER, total REAL);
    INSERT INTO orders VALUES (1001, 'alice', 1, 1, 79.90);
    INSERT INTO orders VALUES (1002, 'alice', 3, 4, 38.00);
    INSERT INTO orders VALUES (1003, 'bob', 2, 1, 120.00);
    INSERT INTO orders VALUES (1004, 'carol', 4, 2, 128.00);

    CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password TEXT);
    INSERT INTO users VALUES (1, 'admin', 'admin');
    INSERT INTO users VALUES (2, 'alice', 'wonderland');
    """
)


# Planted credentials for dast's secrets test. New random values on every start, so a test
# has to learn them from the app's own pages. The API key holds characters that URL-encoding,
# HTML-escaping and base64 all change.
ACCOUNT_TOKEN = "tok" + secrets.token_hex(12)
ACCOUNT_API_KEY = "ak+%s/%s=&%s" % (secrets.token_hex(6), secrets.token_hex(6), secrets.token_hex(3))
ACCOUNT_SESSION = "ses" + secrets.token_hex(16)
_db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, token TEXT)")
_db.execute("INSERT INTO accounts VALUES (1, 'alice', ?)", (ACCOUNT_TOKEN,))


# --------------------------------------------------------------------------
# Member area: accounts, server-side sessions with a CSRF token each
# --------------------------------------------------------------------------

# The member account a scanner logs in with. Its name and password can be set per start, so a
# test can check that a scanner never leaks them.
MEMBER_USER = os.environ.get("DEMO_MEMBER_USER", "shopper")
MEMBER_PASSWORD = os.environ.get("DEMO_MEMBER_PASSWORD", "shopper-pass-1234")
ADMINS = {"admin"}
# Test hook: after this many member-page requests of logged-in users, every session is dropped
# once (as a restart of the app would). 0: never.
DROP_SESSIONS_AFTER = int(os.environ.get("DEMO_DROP_SESSIONS_AFTER", "0") or 0)

_db.executescript(
    """
    INSERT INTO orders VALUES (2001, '%(u)s', 2, 1, 120.00);
    INSERT INTO orders VALUES (2002, '%(u)s', 4, 1, 64.00);
    """ % {"u": MEMBER_USER.replace("'", "''")}
)

_sessions = {}  # token -> {"user": name or None, "csrf": token}
_sessions_lock = threading.Lock()
_member_hits = {"count": 0, "dropped": False}
_api_tokens = {}  # bearer token -> user name
_request = threading.local()  # the current request's user, for the navigation bar


def new_session(user=None):
    token = secrets.token_hex(16)
    with _sessions_lock:
        _sessions[token] = {"user": user, "csrf": secrets.token_hex(16)}
    return token


def end_session(token):
    with _sessions_lock:
        _sessions.pop(token, None)


def count_member_hit():
    """The test hook: drop every session once, after DROP_SESSIONS_AFTER member requests."""
    if not DROP_SESSIONS_AFTER:
        return
    with _sessions_lock:
        _member_hits["count"] += 1
        if _member_hits["dropped"] or _member_hits["count"] < DROP_SESSIONS_AFTER:
            return
        _member_hits["dropped"] = True
        dropped = len(_sessions) + len(_api_tokens)
        _sessions.clear()
        _api_tokens.clear()
    sys.stderr.write("test hook: dropped every session (%d) after %d member requests\n"
                     % (dropped, DROP_SESSIONS_AFTER))


def check_password(username, password):
    if username == MEMBER_USER:
        return hmac.compare_digest(password.encode(), MEMBER_PASSWORD.encode())
    rows = run_query_safe("SELECT username FROM users WHERE username = ? AND password = ?", (username, password))
    return bool(rows)


def run_query(sql):
    """Execute raw SQL (built by the caller with string concatenation!)."""
    with _db_lock:
        cur = _db.cursor()
        try:
            cur.execute(sql)
            return cur.fetchall()
        finally:
            cur.close()


# Stock levels (blind SQL injection): a small database of its own per request, so a slow injected
# query holds up only its own request, never the shared connection.
STOCK = [(1, 12), (2, 0), (3, 140), (4, 7)]
MAX_SQL_SECONDS = 6.0  # a query running longer (e.g. an injected counting loop) is interrupted


def _capped_sleep(seconds):
    """SQLite has no sleep: MySQL's SLEEP and PostgreSQL's PG_SLEEP emulated, at most 5 s."""
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return None
    if 0 < seconds < float("inf"):
        time.sleep(min(seconds, 5.0))
    return 0


def stock_query(sql, params=()):
    conn = sqlite3.connect(":memory:")
    try:
        deadline = time.monotonic() + MAX_SQL_SECONDS
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10000)
        conn.create_function("sleep", 1, _capped_sleep)
        conn.create_function("pg_sleep", 1, lambda s: "" if _capped_sleep(s) == 0 else None)
        conn.execute("CREATE TABLE stock (product_id INTEGER PRIMARY KEY, quantity INTEGER)")
        conn.executemany("INSERT INTO stock VALUES (?, ?)", STOCK)
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# Guestbook entries (stored XSS): the last 50, in memory only.
GUESTBOOK_SIZE = 50
_guestbook = deque([("Alice", "Lovely shop, fast delivery!")], maxlen=GUESTBOOK_SIZE)
_guestbook_lock = threading.Lock()

# Files nobody linked (backup and hidden files): fake content, nothing real is disclosed.
with open(os.path.join(STATIC_DIR, "style.css"), "rb") as _fh:
    _STYLE_CSS = _fh.read()
HIDDEN_FILES = {
    "/static/style.css.bak": (_STYLE_CSS, "application/octet-stream"),
    "/config.php.bak": (
        b"<?php\n// DemoShop configuration (old backup). FAKE values, nothing here is real.\n"
        b"$db_host = 'localhost';\n$db_user = 'shop';\n$db_password = 'fake-Passw0rd-for-demo';\n",
        "application/octet-stream",
    ),
    "/.env": (
        b"# FAKE demo settings\nAPP_ENV=production\nDB_HOST=localhost\nDB_USER=shop\n"
        b"DB_PASSWORD=fake-Passw0rd-for-demo\nSECRET_KEY=fake-0123456789abcdef\n",
        "text/plain; charset=utf-8",
    ),
    "/.git/config": (
        b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
        b"[remote \"origin\"]\n\turl = https://git.demoshop.invalid/shop.git\n"
        b"\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
        "text/plain; charset=utf-8",
    ),
}


# --------------------------------------------------------------------------
# API definitions (served, never linked from HTML)
# --------------------------------------------------------------------------

OPENAPI_DOC = {
    "openapi": "3.0.3",
    "info": {
        "title": "DemoShop API",
        "version": "1.4.2",
        "description": "Deliberately vulnerable demo API. Local use only.",
    },
    "servers": [{"url": "/"}],
    "paths": {
        "/api/v1/orders": {
            "get": {
                "summary": "List orders for a customer",
                "operationId": "listOrders",
                "parameters": [
                    {
                        "name": "customer",
                        "in": "query",
                        "required": True,
                        "description": "Customer name",
                        "schema": {"type": "string", "example": "alice"},
                        "example": "alice",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Orders of the customer",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "customer": {"type": "string"},
                                        "orders": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Order"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "500": {"description": "Database error"},
                },
            }
        },
        "/api/v1/feedback": {
            "post": {
                "summary": "Send feedback",
                "operationId": "sendFeedback",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Feedback"},
                            "example": {"message": "Great shop!"},
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Thank-you page",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "400": {"description": "Invalid JSON body"},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "customer": {"type": "string"},
                    "product_id": {"type": "integer"},
                    "quantity": {"type": "integer"},
                    "total": {"type": "number"},
                },
            },
            "Feedback": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string", "example": "Great shop!"}},
            },
        }
    },
}

SWAGGER_DOC = {
    "swagger": "2.0",
    "info": OPENAPI_DOC["info"],
    "basePath": "/",
    "paths": {
        "/api/v1/orders": {
            "get": {
                "summary": "List orders for a customer",
                "operationId": "listOrders",
                "produces": ["application/json"],
                "parameters": [
                    {
                        "name": "customer",
                        "in": "query",
                        "required": True,
                        "type": "string",
                        "description": "Customer name",
                        "default": "alice",
                        "x-example": "alice",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Orders of the customer",
                        "schema": {
                            "type": "object",
                            "properties": {
                                "customer": {"type": "string"},
                                "orders": {
                                    "type": "array",
                                    "items": {"$ref": "#/definitions/Order"},
                                },
                            },
                        },
                    },
                    "500": {"description": "Database error"},
                },
            }
        },
        "/api/v1/feedback": {
            "post": {
                "summary": "Send feedback",
                "operationId": "sendFeedback",
                "consumes": ["application/json"],
                "produces": ["text/html"],
                "parameters": [
                    {
                        "name": "body",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Feedback"},
                    }
                ],
                "responses": {
                    "200": {"description": "Thank-you page", "schema": {"type": "string"}},
                    "400": {"description": "Invalid JSON body"},
                },
            }
        },
    },
    "definitions": {
        "Order": OPENAPI_DOC["components"]["schemas"]["Order"],
        "Feedback": OPENAPI_DOC["components"]["schemas"]["Feedback"],
    },
}


# --------------------------------------------------------------------------
# HTML layout
# --------------------------------------------------------------------------

NAV_LINKS = [
    ("/", "Home"),
    ("/search?q=shoes", "Search"),
    ("/products?id=1", "Products"),
    ("/file?name=terms.txt", "Terms"),
    ("/redirect?url=/", "Redirect"),
    ("/login", "Login"),
    ("/about", "About"),
    ("/private/report?id=1", "Report"),
]

# For dast's traffic test: a page linking to another origin, off unless DEMO_FOREIGN_ORIGIN is set
# (e.g. http://127.0.0.1:9999). A scanner must never send a request there.
FOREIGN_ORIGIN = os.environ.get("DEMO_FOREIGN_ORIGIN", "").rstrip("/")
if FOREIGN_ORIGIN:
    NAV_LINKS.append(("/partners", "Partners"))

# For dast's baseline test (test-only): DEMO_EXTRA_FINDING=1 adds exactly one vulnerability, a
# script-readable cookie on /about (rule 10010 at GET /about, parameter "remember_me"), and nothing else.
EXTRA_FINDING = os.environ.get("DEMO_EXTRA_FINDING", "") == "1"


def layout(title, body):
    links = list(NAV_LINKS)
    user = getattr(_request, "user", None)
    if user:
        links.append(("/logout", "Log out " + html.escape(user)))
    nav = "\n    ".join('<a href="%s">%s</a>' % (href, label) for href, label in links)
    return """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>%(title)s - DemoShop</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <header>
    <img src="/static/logo.svg" alt="DemoShop logo">
    <a class="brand" href="/">DemoShop</a>
  </header>
  <nav>
    %(nav)s
  </nav>
  <main>
%(body)s
  </main>
  <footer>DemoShop 1.4.2 - deliberately vulnerable demo application, local use only.</footer>
</body>
</html>
""" % {"title": html.escape(title), "nav": nav, "body": body}


def _price(value):
    return "%.2f" % value if isinstance(value, (int, float)) else value


def esc(value):
    # Escape markup but keep quotes readable (used for error text/tracebacks).
    return html.escape(str(value), quote=False)


# --------------------------------------------------------------------------
# Request handler
# --------------------------------------------------------------------------


class DemoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_BANNER
    sys_version = ""
    timeout = 30  # idle keep-alive connections are dropped after this
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per keep-alive request). Production servers set TCP_NODELAY too.
    disable_nagle_algorithm = True

    # -- plumbing ---------------------------------------------------------

    def version_string(self):
        return SERVER_BANNER

    def end_headers(self):
        # Every response, http.server's own error pages included.
        if FIXED:
            for key, value in SECURITY_HEADERS:
                self.send_header(key, value)
        else:
            # VULNERABLE: the platform and its version are disclosed.
            self.send_header("X-Powered-By", POWERED_BY)
        super().end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("%s - [%s] %s\n" % (self.client_address[0], self.log_date_time_string(), fmt % args))

    def _parse(self):
        target = self.path
        # Absolute-form request targets (sent by some proxies).
        m = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*(.*)$", target)
        if m:
            target = m.group(1) or "/"
        path, _, query = target.partition("?")
        path, _, _ = path.partition("#")
        # Collapse duplicate slashes ("//api/v1/orders" from a "/" server URL).
        path = re.sub(r"/{2,}", "/", path) or "/"
        self.route = path
        self.query = parse_qs(query, keep_blank_values=True)
        self.session_token, self.session = self._session()
        _request.user = self.session["user"] if self.session else None

    def _session(self):
        """(token, session) of the request's `session` cookie when the server knows it, else (None, None)."""
        try:
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
        except CookieError:
            return None, None
        morsel = cookie.get("session")
        if morsel is None:
            return None, None
        with _sessions_lock:
            session = _sessions.get(morsel.value)
        return (morsel.value, session) if session is not None else (None, None)

    def member(self):
        """The logged-in user, or None after redirecting to the login page."""
        if not self.session or not self.session["user"]:
            self.send(302, "", headers=[("Location", "/login")])
            return None
        count_member_hit()
        return self.session["user"]

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def read_body(self):
        length = self.headers.get("Content-Length")
        try:
            length = int(length) if length else 0
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        return self.rfile.read(min(length, 1024 * 1024))

    def send(self, status, body, content_type="text/html; charset=utf-8", headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers or []:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        self.send(status, json.dumps(obj, indent=2) + "\n", "application/json", headers)

    def session_cookie(self, token):
        if FIXED:
            # No Secure: the demo serves plain HTTP, where a Secure cookie would never come back.
            return ("Set-Cookie", "session=%s; Path=/; HttpOnly; SameSite=Lax" % token)
        # Insecure on purpose: no HttpOnly, no Secure, no SameSite.
        return ("Set-Cookie", "session=%s; Path=/" % token)

    def text(self, value):
        """value for HTML: raw (VULNERABLE) in the demo, escaped in the fixed twin."""
        return html.escape(value) if FIXED else value

    # -- dispatch ---------------------------------------------------------

    GET_ROUTES = {
        "/": "page_home",
        "/search": "page_search",
        "/products": "page_products",
        "/file": "page_file",
        "/redirect": "page_redirect",
        "/login": "page_login",
        "/about": "page_about",
        "/private/report": "page_private_report",
        "/account": "page_account",
        "/account/keys": "page_account_keys",
        "/account/export": "page_account_export",
        "/partners": "page_partners",
        "/member": "page_member_home",
        "/member/": "page_member_home",
        "/member/orders": "page_member_orders",
        "/member/profile": "page_member_profile",
        "/member/download": "page_member_download",
        "/member/account": "page_member_account",
        "/admin": "page_admin",
        "/logout": "page_logout",
        "/api/v1/me": "api_me",
        "/healthz": "page_healthz",
        "/openapi.json": "page_openapi",
        "/swagger.json": "page_swagger",
        "/api/v1/orders": "api_orders",
        "/tools/ping": "page_tools_ping",
        "/tools/lookup": "page_tools_lookup",
        "/guestbook": "page_guestbook",
        "/products/stock": "page_products_stock",
        "/files/": "page_files_index",
        "/lang": "page_lang",
        "/greeting": "page_greeting",
        "/upload": "page_upload",
        "/trap/echo": "trap_echo",
        "/trap/docs": "trap_docs",
        "/trap/goto": "trap_goto",
        "/trap/report": "trap_report",
        "/trap/calc": "trap_calc",
        "/trap/ping": "trap_ping",
    }

    POST_ROUTES = {
        "/login": "post_login",
        "/api/v1/feedback": "api_feedback",
        "/api/v1/login": "api_login",
        "/tools/lookup": "post_tools_lookup",
        "/guestbook": "post_guestbook",
        "/upload": "post_upload",
    }

    def _dispatch(self, handler):
        try:
            handler()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            # VULNERABLE: unexpected errors are shown with a full traceback.
            self.log_error("unhandled error:\n%s", traceback.format_exc())
            body = "    <h1>500 Internal Server Error</h1>\n    <pre>%s</pre>" % esc(traceback.format_exc())
            if FIXED:
                body = "    <h1>Something went wrong</h1>\n    <p>Please try again later.</p>"
            try:
                self.send(500, layout("Error", body))
            except OSError:
                pass
            self.close_connection = True

    def do_GET(self):
        self._dispatch(self._route_get)

    def do_HEAD(self):
        self._dispatch(self._route_get)

    def do_POST(self):
        self._dispatch(self._route_post)

    def _route_get(self):
        self._parse()
        if not FIXED and self.route in HIDDEN_FILES:
            # VULNERABLE: backup and hidden files left in the web root.
            data, ctype = HIDDEN_FILES[self.route]
            return self.send(200, data, ctype)
        if self.route.startswith("/static/"):
            return self.page_static()
        handler = self.GET_ROUTES.get(self.route)
        if handler is None and self.route.startswith("/files/"):
            return self.page_files_file()
        if handler is None and self.route.startswith("/trap/"):
            return self.trap_catch_all()
        if handler is None:
            return self.page_not_found()
        return getattr(self, handler)()

    def _route_post(self):
        self._parse()
        self.body = self.read_body()  # always consume the body (keep-alive)
        handler = self.POST_ROUTES.get(self.route)
        if handler is None:
            if self.route in self.GET_ROUTES or self.route.startswith(("/static/", "/files/", "/trap/")):
                return self.send(405, layout("Method not allowed", "    <h1>405 Method Not Allowed</h1>"),
                                 headers=[("Allow", "GET, HEAD")])
            return self.page_not_found()
        return getattr(self, handler)()

    # -- pages --------------------------------------------------------------

    def page_home(self):
        body = """    <h1>Welcome to DemoShop</h1>
    <p class="warning">This shop is <strong>deliberately vulnerable</strong>. It exists only as a
    target for security scanner demos. Run it locally and never expose it.</p>
    <h2>Explore</h2>
    <ul>
      <li><a href="/search?q=shoes">Search for shoes</a></li>
      <li><a href="/products?id=1">Product #1</a></li>
      <li><a href="/file?name=terms.txt">Terms of service</a></li>
      <li><a href="/redirect?url=/">Go back home via the redirector</a></li>
      <li><a href="/login">Customer login</a></li>
      <li><a href="/about">About us</a></li>
      <li><a href="/private/report?id=1">Private sales report</a></li>
      <li><a href="/account?token=""" + ACCOUNT_TOKEN + """">Your account</a></li>
      <li><a href="/member/">Member area</a> (log in first)</li>
      <li><a href="/tools/ping?host=127.0.0.1">Network check (ping)</a></li>
      <li><a href="/tools/lookup">Domain lookup</a></li>
      <li><a href="/guestbook">Guestbook</a></li>
      <li><a href="/products/stock?id=1">Stock of product #1</a></li>
      <li><a href="/files/">Documents</a></li>
      <li><a href="/lang?set=en">English</a></li>
      <li><a href="/greeting?name=guest">Greeting</a></li>
      <li><a href="/upload">Upload a document</a></li>
    </ul>
    <h2>Help</h2>
    <ul>
      <li><a href="/trap/echo?q=hello">Echo</a></li>
      <li><a href="/trap/docs">Troubleshooting guide</a></li>
      <li><a href="/trap/goto?next=/about">Go to About</a></li>
      <li><a href="/trap/report?period=month">Monthly report</a>, <a href="/trap/report?period=year">yearly report</a></li>
      <li><a href="/trap/">Help centre</a>, <a href="/trap/index.html">help index</a></li>
      <li><a href="/trap/calc?expr=7*7">Calculator</a></li>
      <li><a href="/trap/ping?host=localhost">Reachability</a></li>
    </ul>
    <h2>Search</h2>
    <form action="/search" method="get">
      <input type="text" name="q" value="shoes">
      <button type="submit">Search</button>
    </form>"""
        self.send(200, layout("Home", body))

    def page_search(self):
        q = self.param("q", "")
        # VULNERABLE: reflected XSS, q is echoed without escaping.
        body = """    <h1>Search</h1>
    <form action="/search" method="get">
      <input type="text" name="q">
      <button type="submit">Search</button>
    </form>
    <p>You searched for: <b>%s</b></p>
    <p>No matching products. Try <a href="/products?id=1">product #1</a>.</p>""" % self.text(q)
        self.send(200, layout("Search", body))

    def page_products(self):
        product_id = self.param("id", "1")
        # VULNERABLE: SQL injection via string concatenation.
        sql = "SELECT id,name,price FROM products WHERE id = " + product_id
        try:
            if FIXED:
                rows = run_query_safe("SELECT id,name,price FROM products WHERE id = ?", (product_id,))
            else:
                rows = run_query(sql)
        except sqlite3.Error as exc:
            # VULNERABLE: database error + traceback disclosed to the client.
            body = """    <h1>500 Internal Server Error</h1>
    <p class="error">[SQLITE_ERROR] SQL error or missing database (%s)</p>
    <p>Query: <code>%s</code></p>
    <pre>%s</pre>""" % (esc(exc), esc(sql), esc(traceback.format_exc()))
            return self.send(500, layout("Error", body))
        if not rows:
            body = "    <h1>Products</h1>\n    <p>No product found.</p>"
            return self.send(200, layout("Products", body))
        items = "\n".join(
            "      <tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (esc(r[0]), esc(r[1]), esc(_price(r[2])))
            for r in rows
        )
        body = """    <h1>Products</h1>
    <table>
      <tr><th>ID</th><th>Name</th><th>Price (EUR)</th></tr>
%s
    </table>
    <p>See also <a href="/products?id=2">product #2</a>.</p>""" % items
        self.send(200, layout("Products", body))

    def page_file(self):
        name = self.param("name", "terms.txt")
        # VULNERABLE: path traversal, no normalisation or containment check.
        path = os.path.join(FILES_DIR, name)
        if FIXED:
            path = contained_file(name)
            if path is None:
                return self.send(404, "File not found\n", "text/plain; charset=utf-8")
        try:
            with open(path, "rb") as fh:
                data = fh.read(2 * 1024 * 1024)
        except FileNotFoundError:
            return self.send(404, "File not found\n", "text/plain; charset=utf-8")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return self.send(500, "Cannot read file: %s\n" % reason, "text/plain; charset=utf-8")
        self.send(200, data, "text/plain; charset=utf-8")

    def page_redirect(self):
        url = self.param("url", "/")
        # VULNERABLE: open redirect, the target is not validated.
        # (CR/LF are dropped only so the response cannot be split.)
        url = url.replace("\r", "").replace("\n", "")
        if FIXED:
            if not is_local_path(url):
                return self.send(400, layout("Redirect", "    <h1>400 Bad Request</h1>\n    <p>Only local pages.</p>"))
            url = quote(url, safe=URL_SAFE)
        body = '<html><body>Redirecting to <a href="%s">%s</a></body></html>' % (
            html.escape(url), html.escape(url))
        self.send(302, body, headers=[("Location", url)])

    def _login_form(self, csrf, message=""):
        return """    <h1>Customer login</h1>
    %s
    <form action="/login" method="post">
      <input type="hidden" name="user_token" value="%s">
      <label>Username <input type="text" name="username"></label>
      <label>Password <input type="password" name="password"></label>
      <button type="submit" name="Login" value="Login">Log in</button>
    </form>""" % (message, csrf)

    def _pre_login_session(self):
        """The request's session, or a new anonymous one (token, session)."""
        if self.session is not None:
            return self.session_token, self.session
        token = new_session()
        with _sessions_lock:
            return token, _sessions[token]

    def page_login(self):
        token, session = self._pre_login_session()
        message = ""
        if session["user"]:
            message = '<p>Logged in as %s. <a href="/member/">Member area</a></p>' % esc(session["user"])
        # VULNERABLE: the session cookie has no HttpOnly, Secure or SameSite attribute.
        self.send(200, layout("Login", self._login_form(session["csrf"], message)),
                  headers=[self.session_cookie(token)])

    def post_login(self):
        form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        username = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        sent_csrf = (form.get("user_token") or [""])[0]
        token, session = self._pre_login_session()
        if not hmac.compare_digest(sent_csrf.encode(), session["csrf"].encode()):
            body = self._login_form(session["csrf"], '<p class="error">Invalid or missing CSRF token.</p>')
            return self.send(403, layout("Login", body), headers=[self.session_cookie(token)])
        if not check_password(username, password):
            body = self._login_form(session["csrf"], '<p class="error">Invalid username or password.</p>')
            return self.send(200, layout("Login", body), headers=[self.session_cookie(token)])
        # A new session id at login, so a session id set before login is worth nothing after it.
        end_session(token)
        token = new_session(username)
        _request.user = username
        # VULNERABLE: session ids are written to the log.
        sys.stderr.write("login: %s got session %s\n" % (username, token))
        body = """    <h1>Welcome %s</h1>
    <p>You are now logged in. Go to the <a href="/member/">member area</a>.</p>""" % esc(username)
        self.send(200, layout("Login", body), headers=[self.session_cookie(token)])

    def page_logout(self):
        if self.session_token:
            end_session(self.session_token)
        _request.user = None
        self.send(302, "", headers=[("Location", "/login")])

    # -- member area (login required) ----------------------------------------

    def page_member_home(self):
        user = self.member()
        if user is None:
            return
        body = """    <h1>Member area of %s</h1>
    <ul>
      <li><a href="/member/orders?q=jacket">Search your orders</a></li>
      <li><a href="/member/profile?name=%s">Your profile</a></li>
      <li><a href="/member/download?doc=shipping.txt">Shipping policy (download)</a></li>
      <li><a href="/member/account">Account details</a></li>
      <li><a href="/admin">Administration</a></li>
      <li><a href="/logout">Log out</a></li>
    </ul>""" % (esc(user), quote(user, safe=""))
        self.send(200, layout("Member area", body))

    def page_member_orders(self):
        user = self.member()
        if user is None:
            return
        q = self.param("q", "")
        # VULNERABLE: SQL injection inside a LIKE pattern.
        sql = ("SELECT o.id, p.name, o.quantity, o.total FROM orders o JOIN products p ON p.id = o.product_id "
               "WHERE o.customer = '" + user.replace("'", "''") + "' AND p.name LIKE '%" + q + "%'")
        try:
            if FIXED:
                rows = run_query_safe(
                    "SELECT o.id, p.name, o.quantity, o.total FROM orders o JOIN products p ON p.id = o.product_id "
                    "WHERE o.customer = ? AND p.name LIKE ? ESCAPE '\\'",
                    (user, "%" + re.sub(r"([%_\\])", r"\\\1", q) + "%"))
            else:
                rows = run_query(sql)
        except sqlite3.Error as exc:
            body = """    <h1>500 Internal Server Error</h1>
    <p class="error">[SQLITE_ERROR] SQL error or missing database (%s)</p>""" % esc(exc)
            return self.send(500, layout("Error", body))
        items = "\n".join(
            "      <tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % tuple(esc(v) for v in r)
            for r in rows
        )
        body = """    <h1>Your orders</h1>
    <form action="/member/orders" method="get"><input type="text" name="q"><button>Search</button></form>
    <table>
      <tr><th>Order</th><th>Product</th><th>Quantity</th><th>Total</th></tr>
%s
    </table>""" % items
        self.send(200, layout("Orders", body))

    def page_member_profile(self):
        user = self.member()
        if user is None:
            return
        name = self.param("name", user)
        # VULNERABLE: reflected XSS, the display name is echoed without escaping.
        body = """    <h1>Your profile</h1>
    <p>Display name: <b>%s</b></p>""" % self.text(name)
        self.send(200, layout("Profile", body))

    def page_member_download(self):
        user = self.member()
        if user is None:
            return
        doc = self.param("doc", "shipping.txt")
        # VULNERABLE: path traversal, the document name is joined to the folder unchecked.
        path = contained_file(doc) if FIXED else os.path.join(FILES_DIR, doc)
        try:
            if path is None:
                raise FileNotFoundError(doc)
            with open(path, "rb") as fh:
                data = fh.read(2 * 1024 * 1024)
        except (OSError, ValueError):
            return self.send(404, "No such document\n", "text/plain; charset=utf-8")
        self.send(200, data, "text/plain; charset=utf-8")

    def page_member_account(self):
        user = self.member()
        if user is None:
            return
        body = """    <h1>Account details</h1>
    <p>Name: %s</p>
    <p>Orders: 2</p>""" % esc(user)
        # DELIBERATE ASSERTION FAILURE: the account page may be cached (no `no-store`).
        cache = "no-store" if FIXED else "private, max-age=600"
        self.send(200, layout("Account", body), headers=[("Cache-Control", cache)])

    def page_admin(self):
        user = self.session["user"] if self.session else None
        if user not in ADMINS:
            body = "    <h1>403 Forbidden</h1>\n    <p>Administrators only.</p>"
            return self.send(403, layout("Forbidden", body))
        self.send(200, layout("Administration", "    <h1>Administration</h1>\n    <p>All is well.</p>"))

    def page_about(self):
        body = """    <h1>About DemoShop</h1>
    <p>DemoShop is a tiny fictional shop. It is the demo target used by the
    <code>dast</code> command line tool to show a complete scan.</p>
    <p>Every vulnerability in this application is intentional.</p>"""
        # VULNERABLE (only with DEMO_EXTRA_FINDING=1): no HttpOnly; SameSite set, so one rule alone fires.
        extra = [("Set-Cookie", "remember_me=1; Path=/; SameSite=Lax")] if EXTRA_FINDING else []
        self.send(200, layout("About", body), headers=extra)

    def page_private_report(self):
        report_id = self.param("id", "1")
        # VULNERABLE: reflected XSS (lives under /private/ to test scope exclusion).
        body = """    <h1>Private sales report</h1>
    <p>Showing report #%s</p>
    <p>Total sales: 435.80 EUR</p>""" % self.text(report_id)
        self.send(200, layout("Report", body))

    def page_account(self):
        token = self.param("token", "")
        # VULNERABLE: SQL injection in a secret parameter, so attacks carry the planted token.
        sql = "SELECT id, owner FROM accounts WHERE token = '" + token + "'"
        try:
            if FIXED:
                rows = run_query_safe("SELECT id, owner FROM accounts WHERE token = ?", (token,))
            else:
                rows = run_query(sql)
        except sqlite3.Error as exc:
            # VULNERABLE: the error page echoes the query, token included.
            body = """    <h1>500 Internal Server Error</h1>
    <p class="error">[SQLITE_ERROR] SQL error or missing database (%s)</p>
    <p>Query: <code>%s</code></p>""" % (esc(exc), esc(sql))
            return self.send(500, layout("Error", body))
        if not rows:
            body = "    <h1>Account</h1>\n    <p>No account for this token.</p>"
            return self.send(403, layout("Account", body))
        keys = "/account/keys?api_key=" + quote(ACCOUNT_API_KEY, safe="")
        export = "/account/export?token=" + quote(token, safe="") + "&format=csv"
        body = """    <h1>Account of %s</h1>
    <ul>
      <li><a href="%s">API key status</a></li>
      <li><a href="%s">Export orders</a></li>
    </ul>""" % (esc(rows[0][1]), html.escape(keys), html.escape(export))
        headers = [
            ("X-Api-Key", ACCOUNT_API_KEY),
            ("Set-Cookie", "sessionid=%s; Path=/; HttpOnly; SameSite=Lax" % ACCOUNT_SESSION),
        ]
        self.send(200, layout("Account", body), headers=headers)

    def page_account_keys(self):
        if self.param("api_key", "") != ACCOUNT_API_KEY:
            return self.send(403, layout("API key", "    <h1>API key</h1>\n    <p>Unknown key.</p>"))
        self.send(200, layout("API key", "    <h1>API key</h1>\n    <p>This key is active.</p>"))

    def page_account_export(self):
        if FIXED:
            if self.param("token", "") != ACCOUNT_TOKEN:
                return self.send(403, layout("Export", "    <h1>Export</h1>\n    <p>Unknown token.</p>"))
            rows = run_query_safe("SELECT id, product_id, quantity, total FROM orders WHERE customer = ?", ("alice",))
            csv = "id,product_id,quantity,total\n" + "".join("%s,%s,%s,%s\n" % r for r in rows)
            return self.send(200, csv, "text/csv; charset=utf-8",
                             headers=[("Content-Disposition", 'attachment; filename="orders.csv"')])
        # VULNERABLE: the failure (and its traceback) shows the account's credentials.
        raise RuntimeError("export failed for token=%s sessionid=%s api_key=%s"
                           % (self.param("token", ""), ACCOUNT_SESSION, ACCOUNT_API_KEY))

    def page_static(self):
        name = self.route[len("/static/"):]
        # The static handler itself is NOT meant to be vulnerable.
        if not re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9]+", name):
            return self.page_not_found()
        ctype = STATIC_TYPES.get(os.path.splitext(name)[1].lower())
        path = os.path.join(STATIC_DIR, name)
        if ctype is None or not os.path.isfile(path):
            return self.page_not_found()
        with open(path, "rb") as fh:
            self.send(200, fh.read(), ctype)

    def page_partners(self):
        if not FOREIGN_ORIGIN:
            return self.page_not_found()
        body = """    <h1>Partners</h1>
    <p><a href="%(o)s/shop?ref=demoshop">Our partner shop</a></p>
    <img src="%(o)s/banner.png" alt="Partner banner">
    <form action="%(o)s/newsletter" method="post">
      <input type="text" name="email">
      <button type="submit">Subscribe</button>
    </form>""" % {"o": html.escape(FOREIGN_ORIGIN)}
        self.send(200, layout("Partners", body))

    def page_healthz(self):
        self.send(200, "ok", "text/plain; charset=utf-8")

    def page_openapi(self):
        self.send_json(200, OPENAPI_DOC)

    def page_swagger(self):
        self.send_json(200, SWAGGER_DOC)

    def page_not_found(self):
        body = "    <h1>404 Not Found</h1>\n    <p>The page you requested does not exist. <a href=\"/\">Back home</a>.</p>"
        self.send(404, layout("Not found", body))

    # -- issue 11 pages: more vulnerability classes (repaired in the fixed twin) -----------------

    def page_tools_ping(self):
        host = self.param("host", "127.0.0.1")
        if FIXED and not emulators.is_host(host):
            body = "    <h1>Network check</h1>\n    <p>Please enter an IP address or host name.</p>"
            return self.send(200, layout("Ping", body))
        # VULNERABLE (emulated): the host goes into a command line that a pretend shell interprets,
        # separators and $(...) included. No real process is ever started.
        result = emulators.run_shell("ping -c 1 " + host)
        time.sleep(result.sleep)
        body = """    <h1>Network check</h1>
    <form action="/tools/ping" method="get">
      <input type="text" name="host" value="127.0.0.1">
      <button type="submit">Ping</button>
    </form>
    <pre>%s</pre>""" % html.escape(result.output)
        self.send(200, layout("Ping", body))

    def _lookup_form(self, message=""):
        return """    <h1>Domain lookup</h1>
    %s
    <form action="/tools/lookup" method="post">
      <input type="text" name="domain" value="demoshop.example">
      <button type="submit">Look up</button>
    </form>""" % message

    def page_tools_lookup(self):
        self.send(200, layout("Lookup", self._lookup_form()))

    def post_tools_lookup(self):
        form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        domain = (form.get("domain") or [""])[0]
        if not FIXED or emulators.is_host(domain):
            # VULNERABLE (emulated, blind): the output is never shown; only a sleep can be noticed.
            result = emulators.run_shell("nslookup " + domain)
            time.sleep(result.sleep)
        self.send(200, layout("Lookup", self._lookup_form("<p>Your lookup was queued.</p>")))

    def page_guestbook(self):
        with _guestbook_lock:
            entries = list(_guestbook)
        # VULNERABLE: stored XSS, entries are shown as they were posted.
        items = "\n".join("      <li><b>%s</b>: %s</li>" % (self.text(n), self.text(c)) for n, c in reversed(entries))
        body = """    <h1>Guestbook</h1>
    <form action="/guestbook" method="post">
      <label>Name <input type="text" name="name" value="guest"></label>
      <label>Comment <input type="text" name="comment" value="Nice shop"></label>
      <button type="submit">Sign</button>
    </form>
    <ul>
%s
    </ul>""" % items
        self.send(200, layout("Guestbook", body))

    def post_guestbook(self):
        form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        name = (form.get("name") or [""])[0][:200]
        comment = (form.get("comment") or [""])[0][:2000]
        with _guestbook_lock:
            _guestbook.append((name, comment))
        self.send(303, "", headers=[("Location", "/guestbook")])

    def page_products_stock(self):
        product_id = self.param("id", "1")
        try:
            if FIXED:
                rows = stock_query("SELECT quantity FROM stock WHERE product_id = ?", (product_id,))
            else:
                # VULNERABLE: blind SQL injection, errors are swallowed below.
                rows = stock_query("SELECT quantity FROM stock WHERE product_id = " + product_id)
        except sqlite3.Error:
            rows = []
        if not rows:
            return self.send(200, layout("Stock", "    <h1>Stock</h1>\n    <p>Not found</p>"))
        self.send(200, layout("Stock", "    <h1>Stock</h1>\n    <p>In stock: %d</p>" % int(rows[0][0] or 0)))

    def page_files_index(self):
        if FIXED:
            return self.page_not_found()
        # VULNERABLE: the folder's content is listed.
        names = sorted(n for n in os.listdir(FILES_DIR) if SAFE_NAME.fullmatch(n))
        items = "\n".join('<li><a href="%s">%s</a></li>' % (quote(n), html.escape(n)) for n in names)
        page = ("<!DOCTYPE html>\n<html><head><title>Index of /files/</title></head><body>\n"
                "<h1>Index of /files/</h1>\n<ul><li><a href=\"../\">Parent Directory</a></li>\n%s\n</ul>\n"
                "</body></html>\n" % items)
        self.send(200, page)

    def page_files_file(self):
        path = contained_file(self.route[len("/files/"):])
        if path is None:
            return self.page_not_found()
        with open(path, "rb") as fh:
            self.send(200, fh.read(2 * 1024 * 1024), "text/plain; charset=utf-8")

    def page_lang(self):
        lang = self.param("set", "en")
        if FIXED:
            lang = lang if re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z]{2})?", lang) else "en"
            cookie = "lang=%s; Path=/; HttpOnly; SameSite=Lax" % lang
        else:
            # VULNERABLE: CRLF injection, the value (CR/LF included) goes into the header as it is.
            cookie = "lang=%s; Path=/" % lang
        body = "    <h1>Language</h1>\n    <p>Language set.</p>"
        self.send(200, layout("Language", body), headers=[("Set-Cookie", cookie)])

    def page_greeting(self):
        name = self.param("name", "guest")[:500]
        if FIXED:
            greeting = "Hello, %s!" % name
        else:
            # VULNERABLE: the name becomes part of the template source, so {{ 7*7 }} is evaluated
            # (a toy engine: integer arithmetic only).
            try:
                greeting = emulators.render_template("Hello, " + name + "!")
            except emulators.TemplateError:
                greeting = "Hello!"
        self.send(200, layout("Greeting", "    <h1>Greeting</h1>\n    <p>%s</p>" % html.escape(greeting)))

    def page_upload(self):
        body = """    <h1>Upload a document</h1>
    <form action="/upload" method="post" enctype="multipart/form-data">
      <label>Title <input type="text" name="title" value="Invoice"></label>
      <label>Document <input type="file" name="document"></label>
      <button type="submit">Upload</button>
    </form>"""
        self.send(200, layout("Upload", body))

    def post_upload(self):
        parts = emulators.parse_multipart(self.body, self.headers.get("Content-Type", ""))
        title = next((p.content.decode("utf-8", "replace") for p in parts if p.name == "title"), "")[:500]
        document = next((p for p in parts if p.name == "document"), None)
        if document is None:
            return self.send(400, layout("Upload", "    <h1>Upload</h1>\n    <p>No document.</p>"))
        # VULNERABLE: the file name and the title are echoed unescaped. Nothing is stored.
        body = """    <h1>Upload</h1>
    <p>Received <b>%s</b> (%d bytes) titled <i>%s</i>.</p>""" % (
            self.text((document.filename or "")[:500]), len(document.content), self.text(title))
        self.send(200, layout("Upload", body))

    # -- traps: look vulnerable, are not (the same in the demo and in the twin) ----------------------

    def trap_echo(self):
        q = self.param("q", "")
        self.send(200, layout("Echo", "    <h1>Echo</h1>\n    <p>You said: <b>%s</b></p>" % html.escape(q)))

    def trap_docs(self):
        body = """    <h1>Troubleshooting guide</h1>
    <p>If a database page fails, the log may show messages such as
    <code>You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version</code>,
    <code>sqlite3.OperationalError: no such table</code> or <code>ORA-00933: SQL command not properly ended</code>.
    Report them to the shop's support team.</p>
    <p>A Unix account line looks like <code>root:x:0:0:root:/root:/bin/bash</code>.</p>
    <p>A web server without an index page may show a listing titled "Index of /".</p>"""
        self.send(200, layout("Troubleshooting", body))

    def trap_goto(self):
        target = self.param("next", "/")
        if not is_local_path(target):
            return self.send(400, layout("Go to", "    <h1>400 Bad Request</h1>\n    <p>Only local pages.</p>"))
        self.send(302, "", headers=[("Location", quote(target, safe=URL_SAFE))])

    def trap_report(self):
        period = self.param("period", "month")
        if period == "year":
            time.sleep(1.5)  # a slow report, not an injection: only this exact value is slow
        body = "    <h1>Sales report</h1>\n    <p>Period: %s. Total: 435.80 EUR</p>" % html.escape(period)
        self.send(200, layout("Report", body))

    def trap_calc(self):
        expr = self.param("expr", "7*7")
        body = "    <h1>Calculator</h1>\n    <p>%s = (calculator offline)</p>" % html.escape(expr)
        self.send(200, layout("Calculator", body))

    def trap_ping(self):
        host = self.param("host", "localhost")
        if not emulators.is_host(host):
            return self.send(200, layout("Reachability", "    <h1>Reachability</h1>\n    <p>invalid host</p>"))
        body = "    <h1>Reachability</h1>\n    <p>%s is reachable.</p>" % html.escape(host)
        self.send(200, layout("Reachability", body))

    def trap_catch_all(self):
        # A soft 404: every unknown name under /trap/ answers 200 with the home page.
        self.page_home()

    # -- API ----------------------------------------------------------------

    def api_orders(self):
        customer = self.param("customer", "")
        # VULNERABLE: SQL injection inside a quoted string literal.
        sql = ("SELECT id, customer, product_id, quantity, total FROM orders "
               "WHERE customer = '" + customer + "'")
        try:
            if FIXED:
                rows = run_query_safe("SELECT id, customer, product_id, quantity, total FROM orders "
                                      "WHERE customer = ?", (customer,))
            else:
                rows = run_query(sql)
        except sqlite3.Error as exc:
            return self.send_json(500, {
                "error": "[SQLITE_ERROR] SQL error or missing database (%s)" % exc,
                "exception": "sqlite3.%s: %s" % (type(exc).__name__, exc),
                "query": sql,
            })
        orders = [
            {"id": r[0], "customer": r[1], "product_id": r[2], "quantity": r[3], "total": r[4]}
            for r in rows
        ]
        self.send_json(200, {"customer": customer, "orders": orders})

    def api_login(self):
        try:
            data = json.loads(self.body.decode("utf-8", "replace") or "null")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return self.send_json(400, {"error": 'expected {"username": "...", "password": "..."}'})
        username, password = str(data.get("username", "")), str(data.get("password", ""))
        if not check_password(username, password):
            return self.send_json(401, {"error": "invalid credentials"})
        token = "at" + secrets.token_hex(20)
        with _sessions_lock:
            _api_tokens[token] = username
        sys.stderr.write("api login: %s got token %s\n" % (username, token))
        self.send_json(200, {"data": {"access_token": token, "token_type": "Bearer"}})

    def api_me(self):
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        with _sessions_lock:
            user = _api_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return self.send_json(401, {"error": "unauthorized"}, headers=[("WWW-Authenticate", "Bearer")])
        self.send_json(200, {"user": user, "orders": 2})

    def api_feedback(self):
        try:
            data = json.loads(self.body.decode("utf-8", "replace") or "null")
        except ValueError:
            data = None
        if not isinstance(data, dict) or "message" not in data:
            return self.send_json(400, {"error": 'expected a JSON body like {"message": "..."}'})
        message = data["message"]
        if not isinstance(message, str):
            message = json.dumps(message)
        # VULNERABLE: reflected XSS, message returned unescaped as text/html.
        page = ("<!DOCTYPE html>\n<html><head><title>Feedback</title></head><body>"
                "<h1>Thank you!</h1><p>We received your feedback: %s</p></body></html>\n" % self.text(message))
        self.send(200, page)


def run_query_safe(sql, params):
    with _db_lock:
        return _db.execute(sql, params).fetchall()


# Characters kept as they are when a local path goes into a Location header (the rest is %-encoded).
URL_SAFE = "/?&=#%:@!$'()*+,;~-._"
SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9]+")


def contained_file(name):
    """The path of a plain file directly in files/, or None (no folders, no dot-dot, no absolute paths)."""
    if not SAFE_NAME.fullmatch(name):
        return None
    path = os.path.realpath(os.path.join(FILES_DIR, name))
    if os.path.dirname(path) != os.path.realpath(FILES_DIR) or not os.path.isfile(path):
        return None
    return path


def is_local_path(url):
    """A same-origin path ("/about"), not "//host", "/\\host" or an absolute URL."""
    return url.startswith("/") and not url.startswith(("//", "/\\")) and not re.search(r"[\x00-\x1f]", url)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # scanners open many connections at once


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description="DemoShop - deliberately vulnerable demo web app")
    parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "0.0.0.0"),
                        help="bind address (default: $DEMO_HOST or 0.0.0.0)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8000")),
                        help="port (default: $DEMO_PORT or 8000)")
    args = parser.parse_args(argv)

    server = DemoServer((args.host, args.port), DemoHandler)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    sys.stderr.write("DemoShop (%s) listening on http://%s:%d/\n"
                     % ("fixed twin" if FIXED else "DELIBERATELY VULNERABLE", args.host, server.server_address[1]))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.25)
    except _Stop:
        pass
    finally:
        server.server_close()
        sys.stderr.write("DemoShop stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
