// dast rule pack - active rule 6: Path Traversal.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 6.
// Payloads per strength: RULE.requests (the first n of PAYLOADS); redirects are never followed.
// A file's content counts only when the original value's response does not contain it too (one more
// request after a hit: ZAP hands the script the request only, without the original response).
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 6,
  name: "Path Traversal",
  risk: 3, confidence: 2, cwe: 22, wasc: 33,
  description: "A request parameter is used to build a path on the server's file system. When the scanner sent a relative path made of '../' sequences (or an absolute path), the response contained the contents of a well-known operating system file such as /etc/passwd or win.ini. An attacker can use the same parameter to read any file the application's account can open, for example configuration files, credentials, private keys and source code, and can use what they learn to attack the application further.",
  solution: "Do not build file system paths directly from request data. Prefer passing a short identifier that the server maps to a fixed list of permitted files. If a file name must be accepted, restrict it to a strict character set (letters, digits, dash, underscore and a single dot for the extension; no slashes, backslashes or '..'), join it to a fixed base directory, resolve the real (canonical) path and refuse the request unless the result is still inside that base directory. Run the application under an account that can read only the files it needs.",
  reference: "https://owasp.org/www-community/attacks/Path_Traversal\nhttps://cwe.mitre.org/data/definitions/22.html",
  requests: {LOW: [2, 3], MEDIUM: [4, 5], HIGH: [6, 7], INSANE: [8, 9]}
};
var UNIX = /root:[^:\r\n]*:0:0:/;
var WIN = /\[(fonts|extensions)\]/i;
var PAYLOADS = [
  ["../../../../../../../../../../etc/passwd", UNIX],
  ["/etc/passwd", UNIX],
  ["....//....//....//....//....//....//etc/passwd", UNIX],
  ["..\\..\\..\\..\\..\\..\\..\\..\\windows\\win.ini", WIN],
  ["..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", UNIX],
  ["file:///etc/passwd", UNIX],
  ["c:\\windows\\win.ini", WIN],
  ["..%252f..%252f..%252f..%252f..%252f..%252f..%252fetc%252fpasswd", UNIX]
];

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  var payloads = PAYLOADS.slice(0, RULE.requests[ctx.strength][0]);
  for (var i = 0; i < payloads.length; i++) {
    var r = ctx.send(msg, param, payloads[i][0]);
    if (r == null) continue;
    var hit = payloads[i][1].exec(dastBody(r.m));
    if (hit == null) continue;
    var original = ctx.send(msg, param, value == null ? "" : String(value));
    if (original == null || payloads[i][1].test(dastBody(original.m))) return;
    ctx.raise("confirmed", r.m, param, payloads[i][0], hit[0],
              "The response contained a well-known system file's content; the response to the original value did not.");
    return;
  }
}
