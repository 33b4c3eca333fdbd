// dast rule pack - active rule 40012: Cross Site Scripting (Reflected).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40012.
// Bounded: at most 3 requests per parameter, redirects are never followed.
var RULE = {
  id: 40012,
  name: "Cross Site Scripting (Reflected)",
  risk: 3, confidence: 2, cwe: 79, wasc: 8,
  description: "Input sent in a request parameter is copied into the HTML page of the response without being encoded. The scanner first checked that a harmless marker was echoed, then sent an HTML/script payload and found it unchanged in the returned page, where a browser would parse it as markup. An attacker who gets a user to open a crafted link can run script in that user's browser in the context of this site: reading or changing what the page shows, performing actions with the user's session and stealing data that the page or its readable cookies hold.",
  solution: "Encode untrusted data at the point where it is written into the page, with the encoding that matches the output context: HTML entity encoding for element content, attribute encoding for quoted attribute values, JavaScript string escaping inside scripts and URL encoding inside URLs. Use a template engine that escapes by default and avoid the calls that turn escaping off. Validate input against the expected format (type, length, allowed characters) as an additional layer, and send a Content-Security-Policy that forbids inline script to limit the damage of any case that is missed.",
  reference: "https://owasp.org/www-community/attacks/xss/\nhttps://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/79.html"
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

// The marker is fixed per parameter name, never random: two scans of the same app must send the
// same payloads, so the URLs reported for them (identity fields) are the same too.
function markerFor(param) {
  var hash = 0;
  var text = String(param);
  for (var i = 0; i < text.length; i++) {
    hash = (hash * 31 + text.charCodeAt(i)) % 900000;
  }
  return "dast" + (hash + 100000);
}

function scan(as, msg, param, value) {
  if (as.isStop()) return;
  var token = markerFor(param);
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
