// dast rule pack - active rule 90020: Remote OS Command Injection.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 90020.
// GET and POST parameters alike (ZAP hands every parameter in). Separators for sh (; | $() ` newline && ||)
// and cmd (& |). Output based: a command's output that the baseline did not show (confirmed). Time based:
// sleep (sh) or ping -n to loopback (cmd), checked by dastTimeCheck. Requests per parameter:
// 1 baseline + OUTPUT_COUNTS + TIMED_COUNTS when nothing is found; a timing lead adds at most 2.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 90020,
  name: "Remote OS Command Injection",
  risk: 3, confidence: 2, cwe: 78, wasc: 31,
  description: "A request parameter reaches an operating system command line. When the scanner appended a shell command separator and a command of its own, the response showed that command's output (the content of /etc/passwd, or the Windows version banner), or the response was delayed by exactly the time a sleep command it added asked for. An attacker can run any command with the rights of the application's account: read and change files, reach internal systems and take over the server.",
  solution: "Do not call a shell with request data. Use the language's own library function for the task instead of an external program, or start the program directly with an argument list (no shell), so that separators and quotes have no meaning. Validate the value against a strict allow list (for a host name: letters, digits, dots and dashes only; for an address: parse it as an IP address) and reject everything else. Run the application with the least privileges it needs.",
  reference: "https://owasp.org/www-community/attacks/Command_Injection\nhttps://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/78.html",
  requests: {LOW: [4, 6], MEDIUM: [5, 7], HIGH: [12, 18], INSANE: [18, 28]}
};
var PASSWD = /root:[^:\r\n]*:0:0:/;
var WINVER = /Microsoft Windows \[Version \d+\.\d+/;
// Output-based payloads, appended to the original value: [suffix, evidence pattern].
var OUTPUT = [
  [";cat /etc/passwd", PASSWD],
  ["|cat /etc/passwd", PASSWD],
  ["&ver", WINVER],
  ["$(cat /etc/passwd)", PASSWD],
  ["`cat /etc/passwd`", PASSWD],
  ["\ncat /etc/passwd", PASSWD],
  ["&&cat /etc/passwd", PASSWD],
  ["||cat /etc/passwd", PASSWD],
  ["|ver", WINVER],
  ["';cat /etc/passwd;'", PASSWD],
  ["\";cat /etc/passwd;\"", PASSWD],
  ["&type %SYSTEMROOT%\\win.ini&", /\[(fonts|extensions)\]/i]
];
var OUTPUT_COUNTS = {LOW: 2, MEDIUM: 3, HIGH: 8, INSANE: 12};
// Time-based payloads: function(seconds) -> suffix. sh first, then cmd (ping to the server's own loopback).
var TIMED = [
  function (s) { return ";sleep " + s; },
  function (s) { return "|sleep " + s; },
  function (s) { return "$(sleep " + s + ")"; },
  function (s) { return "\nsleep " + s; },
  function (s) { return "&ping -n " + (s > 0 ? Math.round(s) + 1 : 1) + " 127.0.0.1&"; }
];
var TIMED_COUNTS = {LOW: 1, MEDIUM: 1, HIGH: 3, INSANE: 5};

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  value = value == null ? "" : String(value);
  // Baseline: the unmodified value, for its page and its time.
  var base = ctx.send(msg, param, value);
  if (base == null) return;
  var baseBody = dastBody(base.m);
  var output = OUTPUT.slice(0, OUTPUT_COUNTS[ctx.strength]);
  for (var i = 0; i < output.length; i++) {
    var attack = value + output[i][0];
    var r = ctx.send(msg, param, attack);
    if (r == null) continue;
    var hit = output[i][1].exec(dastBody(r.m));
    if (hit == null || output[i][1].test(baseBody)) continue;
    ctx.raise("confirmed", r.m, param, attack, hit[0],
              "The output of the injected command appeared in the response; the original response did not contain it.");
    return;
  }
  var timed = TIMED.slice(0, TIMED_COUNTS[ctx.strength]);
  for (var t = 0; t < timed.length; t++) {
    var form = timed[t];
    var found = dastTimeCheck(ctx, msg, param, function (s) { return value + form(s); }, base.ms);
    if (found == null) continue;
    ctx.raise(found.kind, found.hit.m, param, found.attack, "",
              "The response time followed the delay the injected command asked for: " + found.other + ".");
    return;
  }
}
