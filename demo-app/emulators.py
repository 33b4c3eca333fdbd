"""Safe stand-ins for the dangerous parts of DemoShop's vulnerable pages.

Nothing here runs a process, evaluates Python or touches the file system: the "shell" is a small
interpreter of a handful of fake commands, the "template engine" understands integer arithmetic only,
and the multipart parser reads an in-memory body. Every input is bounded in size and work, so a
scanner's payloads can make these pages vulnerable-looking but never dangerous.
"""

import re

# --------------------------------------------------------------------------
# Shell emulator (OS command injection, rule 90020)
# --------------------------------------------------------------------------

MAX_COMMAND_LINE = 2000  # characters; longer input is refused as a whole
MAX_COMMANDS = 20  # commands run per line, substitutions included
MAX_SUBSTITUTION_DEPTH = 3
MAX_SLEEP = 5.0  # seconds, per sleep and per command line

FAKE_PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "demo:x:10001:10001::/nonexistent:/usr/sbin/nologin\n"
)
FAKE_WIN_INI = "; for 16-bit app support\n[fonts]\n[extensions]\n[mci extensions]\n[files]\n[Mail]\nMAPI=1\n"
FAKE_FILES = {
    "/etc/passwd": FAKE_PASSWD,
    "/etc/hostname": "demoshop\n",
}
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
IPV4_RE = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")


def is_host(value):
    """A plain IPv4 address or DNS host name: the only input the repaired ping page accepts."""
    if re.fullmatch(r"[0-9.]+", value):
        return bool(IPV4_RE.match(value))
    return bool(HOSTNAME_RE.match(value))


class ShellResult:
    """What the pretend command line printed, its exit status and how long it asked to sleep."""

    def __init__(self, output, status, sleep):
        self.output = output
        self.status = status
        self.sleep = sleep


class _Budget:
    def __init__(self):
        self.commands = 0
        self.sleep = 0.0


class _ShellError(Exception):
    pass


# Longest first, so "||" is not read as two pipes.
_SEPARATORS = ("||", "&&", ";", "|", "&", "\n")


def run_shell(command_line):
    """Interpret command_line like `sh -c` would, for the few fake commands this module knows."""
    if len(command_line) > MAX_COMMAND_LINE:
        return ShellResult("sh: 1: command line too long\n", 2, 0.0)
    budget = _Budget()
    try:
        output, status = _run_line(command_line, budget, 0)
    except _ShellError as exc:
        return ShellResult("sh: 1: %s\n" % exc, 2, budget.sleep)
    return ShellResult(output, status, budget.sleep)


def _run_line(line, budget, depth):
    line = _substitute(line, budget, depth)
    output = []
    status = 0
    stdin = ""
    run_next = True
    for words, separator in _split(line):
        if run_next:
            out, status = _run_command(words, stdin, budget)
        else:
            out = ""
        if separator == "|":
            stdin, out = out, ""
        else:
            stdin = ""
        output.append(out)
        if separator == "&&":
            run_next = run_next and status == 0
        elif separator == "||":
            run_next = run_next and status != 0
        else:
            run_next = True
    return "".join(output), status


def _substitute(line, budget, depth):
    """Replace $(...) and `...` (outside single quotes) with the output of the command inside."""
    result = []
    i = 0
    quote = None
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = None
            result.append(ch)
            i += 1
            continue
        if ch == "'" and quote is None:
            quote = "'"
        elif ch == '"':
            quote = None if quote == '"' else '"'
        if ch == "`" or line.startswith("$(", i):
            start = i + (1 if ch == "`" else 2)
            end = line.find("`", start) if ch == "`" else _closing_parenthesis(line, start)
            if end < 0:
                raise _ShellError("Syntax error: end of file unexpected")
            if depth >= MAX_SUBSTITUTION_DEPTH:
                raise _ShellError("substitution nested too deeply")
            inner, _ = _run_line(line[start:end], budget, depth + 1)
            result.append(inner.rstrip("\n"))
            i = end + 1
            continue
        result.append(ch)
        i += 1
    if quote is not None:
        raise _ShellError("Syntax error: Unterminated quoted string")
    return "".join(result)


def _closing_parenthesis(line, start):
    """Index of the ")" that closes the "$(" before start (nested ones skipped), or -1."""
    depth = 1
    for i in range(start, len(line)):
        if line[i] == "(":
            depth += 1
        elif line[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split(line):
    """[(words, separator after them)] for a line; quotes group words and hide separators."""
    commands = []
    words = []
    word = []
    in_word = False
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == quote:
                quote = None
            else:
                word.append(ch)
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            in_word = True
            i += 1
            continue
        separator = next((s for s in _SEPARATORS if line.startswith(s, i)), None)
        if separator or ch in " \t":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            if separator:
                commands.append((words, separator))
                words = []
                i += len(separator)
            else:
                i += 1
            continue
        word.append(ch)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(word))
    commands.append((words, ""))
    return commands


def _run_command(words, stdin, budget):
    if not words:
        return "", 0
    budget.commands += 1
    if budget.commands > MAX_COMMANDS:
        raise _ShellError("too many commands")
    name, args = words[0], words[1:]
    if name == "ping":
        operands = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "-c")]
        host = operands[0] if operands else ""
        if not is_host(host):
            return "ping: %s: Name or service not known\n" % host, 2
        return ("PING %s (%s) 56(84) bytes of data.\n64 bytes from %s: icmp_seq=1 ttl=64 time=0.042 ms\n\n"
                "--- %s ping statistics ---\n1 packets transmitted, 1 received, 0%% packet loss\n"
                % (host, host, host, host)), 0
    if name == "nslookup":
        host = args[-1] if args else ""
        if not is_host(host):
            return "** server can't find %s: NXDOMAIN\n" % host[:100], 1
        return "Server:\t\t127.0.0.53\nName:\t%s\nAddress: 192.0.2.10\n" % host, 0
    if name == "echo":
        return " ".join(args) + "\n", 0
    if name == "id":
        return "uid=10001(demo) gid=10001(demo) groups=10001(demo)\n", 0
    if name == "whoami":
        return "demo\n", 0
    if name == "uname":
        return ("Linux demoshop 6.1.0-demo #1 SMP x86_64 GNU/Linux\n" if "-a" in args else "Linux\n"), 0
    if name == "cat":
        if not args:
            return stdin, 0
        out = []
        for path in args:
            if path not in FAKE_FILES:
                return "".join(out) + "cat: %s: No such file or directory\n" % path, 1
            out.append(FAKE_FILES[path])
        return "".join(out), 0
    if name == "type":  # cmd.exe
        if args and args[0].lower().replace("%systemroot%", "c:\\windows") == "c:\\windows\\win.ini":
            return FAKE_WIN_INI, 0
        return "The system cannot find the file specified.\n", 1
    if name == "ver":  # cmd.exe
        return "\nMicrosoft Windows [Version 10.0.19045.3570]\n", 0
    if name == "sleep":
        try:
            seconds = float(args[0]) if args else -1.0
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < float("inf"):
            return "sleep: invalid time interval\n", 1
        budget.sleep = min(MAX_SLEEP, budget.sleep + min(seconds, MAX_SLEEP))
        return "", 0
    return "sh: 1: %s: not found\n" % name[:100], 127


# --------------------------------------------------------------------------
# Template evaluator (server-side template injection, rule 90035)
# --------------------------------------------------------------------------

MAX_TEMPLATE = 4000  # characters of template source
MAX_EXPRESSION = 100  # characters inside one {{ }}
MAX_EXPRESSIONS = 20  # per template
MAX_MAGNITUDE = 10 ** 18  # larger intermediate values are an error
_EXPRESSION_RE = re.compile(r"\{\{(.{0,%d}?)\}\}" % MAX_EXPRESSION, re.S)
_TOKEN_RE = re.compile(r"\s*(?:(\d{1,18})|(.))")


class TemplateError(Exception):
    pass


def render_template(source):
    """Replace each `{{ expr }}` with the value of its integer arithmetic (+ - * / and parentheses).

    An expression that is not arithmetic renders as nothing, as an undefined name would.
    """
    if len(source) > MAX_TEMPLATE:
        raise TemplateError("template too long")
    count = [0]

    def replace(match):
        count[0] += 1
        if count[0] > MAX_EXPRESSIONS:
            raise TemplateError("too many expressions")
        try:
            return str(evaluate(match.group(1)))
        except TemplateError:
            return ""

    return _EXPRESSION_RE.sub(replace, source)


def evaluate(expression):
    """The integer value of an arithmetic expression; division truncates toward zero."""
    if len(expression) > MAX_EXPRESSION:
        raise TemplateError("expression too long")
    tokens = []
    for match in _TOKEN_RE.finditer(expression):
        number, symbol = match.groups()
        if number is not None:
            tokens.append(int(number))
        elif symbol is not None and not symbol.isspace():
            if symbol not in "+-*/()":
                raise TemplateError("unsupported character")
            tokens.append(symbol)
    parser = _Arithmetic(tokens)
    value = parser.expression(0)
    if parser.position != len(tokens):
        raise TemplateError("unexpected token")
    return value


class _Arithmetic:
    """Recursive descent over: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    MAX_DEPTH = 20

    def __init__(self, tokens):
        self.tokens = tokens
        self.position = 0

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self):
        token = self._peek()
        if token is None:
            raise TemplateError("unexpected end")
        self.position += 1
        return token

    def expression(self, depth):
        value = self.term(depth)
        while self._peek() in ("+", "-"):
            op = self._take()
            value = _checked(value + self.term(depth) if op == "+" else value - self.term(depth))
        return value

    def term(self, depth):
        value = self.factor(depth)
        while self._peek() in ("*", "/"):
            op = self._take()
            right = self.factor(depth)
            if op == "*":
                value = _checked(value * right)
            else:
                if right == 0:
                    raise TemplateError("division by zero")
                value = abs(value) // abs(right) * (1 if (value >= 0) == (right >= 0) else -1)
        return value

    def factor(self, depth):
        if depth > self.MAX_DEPTH:
            raise TemplateError("nested too deeply")
        token = self._take()
        if token == "-":
            return -self.factor(depth + 1)
        if token == "+":
            return self.factor(depth + 1)
        if token == "(":
            value = self.expression(depth + 1)
            if self._take() != ")":
                raise TemplateError("missing )")
            return value
        if isinstance(token, int):
            return token
        raise TemplateError("unexpected token")


def _checked(value):
    if abs(value) > MAX_MAGNITUDE:
        raise TemplateError("number too large")
    return value


# --------------------------------------------------------------------------
# multipart/form-data parser (XSS through upload fields, rule 40012)
# --------------------------------------------------------------------------

MAX_PARTS = 20
_BOUNDARY_RE = re.compile(r'boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))', re.I)
_DISPOSITION_PARAM_RE = re.compile(r';\s*([A-Za-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


class Part:
    """One part of a multipart body: its field name, file name (None for a text field) and content."""

    def __init__(self, name, filename, content):
        self.name = name
        self.filename = filename
        self.content = content


def parse_multipart(body, content_type):
    """The parts of a multipart/form-data body (bytes), at most MAX_PARTS; [] when it is not one."""
    match = _BOUNDARY_RE.search(content_type or "")
    if not content_type or not content_type.lower().startswith("multipart/form-data") or not match:
        return []
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--") or len(parts) >= MAX_PARTS:
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            head, separator, content = chunk.partition(b"\n\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        disposition = ""
        for header in re.split(rb"\r?\n", head):
            key, _, value = header.decode("utf-8", "replace").partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value
        params = {}
        for key, quoted, plain in _DISPOSITION_PARAM_RE.findall(disposition):
            params[key.lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted else plain.strip()
        if "name" in params:
            parts.append(Part(params["name"], params.get("filename"), content))
    return parts
