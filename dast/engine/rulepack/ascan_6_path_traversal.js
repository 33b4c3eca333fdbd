// dast rule pack - active rule 6: Path Traversal.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 6.
// Bounded: at most 4 requests per parameter, redirects are never followed.
var RULE = {
  id: 6,
  name: "Path Traversal",
  risk: 3, confidence: 2, cwe: 22, wasc: 33,
  description: "The Path Traversal attack technique allows an attacker access to files, directories, and commands that potentially reside outside the web document root directory. A request parameter is used to build a file path without restricting it, so files outside the intended directory can be read.",
  solution: "Assume all input is malicious. Resolve the requested name against an allow list of known files, or canonicalize the path and verify that it stays inside the intended directory before opening it. Run the application with the least privileges needed.",
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
