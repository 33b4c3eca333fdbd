// dast rule pack - active rule 40012: Cross Site Scripting (Reflected).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40012.
// Bounded: at most 3 requests per parameter, redirects are never followed.
var RULE = {
  id: 40012,
  name: "Cross Site Scripting (Reflected)",
  risk: 3, confidence: 2, cwe: 79, wasc: 8,
  description: "Cross-site Scripting (XSS) is an attack technique that involves echoing attacker-supplied code into a user's browser instance. The value of a request parameter is reflected into the HTML response without encoding, so script supplied in the parameter runs in the victim's browser in the context of the site.",
  solution: "Validate all input and encode all output according to the context it is placed in (HTML body, attribute, JavaScript, URL, CSS). Use a vetted library or framework that does not allow this weakness to occur, and set a restrictive Content-Security-Policy.",
  reference: "https://owasp.org/www-community/attacks/xss/\nhttps://cwe.mitre.org/data/definitions/79.html"
};

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

function isHtmlLike(m) {
  var ct = String(m.getResponseHeader().getHeader("Content-Type") || "").toLowerCase();
  return ct.length == 0 || ct.indexOf("html") >= 0;
}

function scan(as, msg, param, value) {
  if (as.isStop()) return;
  var token = "dast" + Math.floor(Math.random() * 900000 + 100000);
  // 1. harmless probe: is the value reflected at all?
  var probe = send(as, msg, param, token);
  if (probe == null || String(probe.getResponseBody().toString()).indexOf(token) < 0) return;
  var payloads = [
    "<scrIpt>alert(" + token + ");</scRipt>",
    "\"><img src=x onerror=prompt(" + token + ")>"
  ];
  for (var i = 0; i < payloads.length; i++) {
    if (as.isStop()) return;
    var m = send(as, msg, param, payloads[i]);
    if (m == null) continue;
    var status = m.getResponseHeader().getStatusCode();
    if (status >= 300 && status < 400) continue;
    if (!isHtmlLike(m)) continue;
    if (String(m.getResponseBody().toString()).indexOf(payloads[i]) >= 0) {
      as.newAlert()
        .setPluginId(RULE.id).setName(RULE.name)
        .setRisk(RULE.risk).setConfidence(RULE.confidence)
        .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
        .setCweId(RULE.cwe).setWascId(RULE.wasc)
        .setParam(param).setAttack(payloads[i]).setEvidence(payloads[i])
        .setMessage(m)
        .raise();
      return;
    }
  }
}
