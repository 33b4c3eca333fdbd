// dast rule pack - active rule 6: Path Traversal.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 6.
// Bounded: at most 4 requests per parameter, redirects are never followed.
var RULE = {
  id: 6,
  name: "Path Traversal",
  risk: 3, confidence: 2, cwe: 22, wasc: 33,
  description: "A request parameter is used to build a path on the server's file system. When the scanner sent a relative path made of '../' sequences (or an absolute path), the response contained the contents of a well-known operating system file such as /etc/passwd or win.ini. An attacker can use the same parameter to read any file the application's account can open, for example configuration files, credentials, private keys and source code, and can use what they learn to attack the application further.",
  solution: "Do not build file system paths directly from request data. Prefer passing a short identifier that the server maps to a fixed list of permitted files. If a file name must be accepted, restrict it to a strict character set (letters, digits, dash, underscore and a single dot for the extension; no slashes, backslashes or '..'), join it to a fixed base directory, resolve the real (canonical) path and refuse the request unless the result is still inside that base directory. Run the application under an account that can read only the files it needs.",
  reference: "https://owasp.org/www-community/attacks/Path_Traversal\nhttps://cwe.mitre.org/data/definitions/22.html"
};
var UNIX = /root:[^:\r\n]*:0:0:/;
var WIN = /\[(fonts|extensions)\]/i;
var PAYLOADS = [
  ["../../../../../../../../../../etc/passwd", UNIX],
  ["/etc/passwd", UNIX],
  ["....//....//....//....//....//....//etc/passwd", UNIX],
  ["..\\..\\..\\..\\..\\..\\..\\..\\windows\\win.ini", WIN]
];

function send(as, msg, param, payload) {
  var m = msg.cloneRequest();
  as.setParam(m, param, payload);
  try {
    as.sendAndReceive(m, false, false);
  } catch (e) {
    return null;
  }
  return m;
}

function scan(as, msg, param, value) {
  for (var i = 0; i < PAYLOADS.length; i++) {
    if (as.isStop()) return;
    var m = send(as, msg, param, PAYLOADS[i][0]);
    if (m == null) continue;
    var b = String(m.getResponseBody().toString());
    var hit = PAYLOADS[i][1].exec(b);
    if (hit == null) continue;
    as.newAlert()
      .setPluginId(RULE.id).setName(RULE.name)
      .setRisk(RULE.risk).setConfidence(RULE.confidence)
      .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
      .setCweId(RULE.cwe).setWascId(RULE.wasc)
      .setParam(param).setAttack(PAYLOADS[i][0]).setEvidence(hit[0])
      .setMessage(m)
      .raise();
    return;
  }
}
