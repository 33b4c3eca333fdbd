// dast rule pack - active rule 20019: External Redirect.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 20019.
// The payload host is a reserved, never-resolving name (.invalid) and redirects are never
// followed, so no request ever leaves for the payload host. At most 3 requests per parameter.
var RULE = {
  id: 20019,
  name: "External Redirect",
  risk: 3, confidence: 2, cwe: 601, wasc: 38,
  description: "URL redirectors represent common functionality employed by web sites to forward an incoming request to an alternate resource. The value of a request parameter is used as the redirect target without validation, so an attacker can send users to a site of their choosing (phishing, token theft).",
  solution: "Do not redirect to URLs taken from the request. Use an allow list of destinations or server-side identifiers mapped to URLs, and only allow relative paths on the same site.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/601.html"
};
var HOST = "dast-redirect.invalid";
var PAYLOADS = ["http://" + HOST + "/", "//" + HOST + "/", "https://" + HOST + "/"];
// Location targets whose host is the payload host (scheme-relative or absolute).
var TARGET = /^\s*(https?:)?[\/\\]{2}dast-redirect\.invalid([\/:?#]|$)/i;
var META = /<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*url\s*=\s*["']?(https?:)?\/\/dast-redirect\.invalid/i;

function send(as, msg, param, payload) {
  var m = msg.cloneRequest();
  as.setParam(m, param, payload);
  try {
    as.sendAndReceive(m, false, false); // never follow redirects
  } catch (e) {
    return null;
  }
  return m;
}

function redirectEvidence(m) {
  var rh = m.getResponseHeader();
  var status = rh.getStatusCode();
  if (status >= 300 && status < 400) {
    var loc = rh.getHeader("Location");
    if (loc != null && TARGET.test(String(loc))) return String(loc);
  }
  var refresh = rh.getHeader("Refresh");
  if (refresh != null) {
    var r = String(refresh);
    var u = r.toLowerCase().indexOf("url=");
    if (u >= 0 && TARGET.test(r.substring(u + 4).replace(/^["']/, ""))) return r;
  }
  var hit = META.exec(String(m.getResponseBody().toString()));
  return hit == null ? null : hit[0];
}

function scan(as, msg, param, value) {
  for (var i = 0; i < PAYLOADS.length; i++) {
    if (as.isStop()) return;
    var m = send(as, msg, param, PAYLOADS[i]);
    if (m == null) continue;
    var evidence = redirectEvidence(m);
    if (evidence == null) continue;
    as.newAlert()
      .setPluginId(RULE.id).setName(RULE.name)
      .setRisk(RULE.risk).setConfidence(RULE.confidence)
      .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
      .setCweId(RULE.cwe).setWascId(RULE.wasc)
      .setParam(param).setAttack(PAYLOADS[i]).setEvidence(evidence)
      .setMessage(m)
      .raise();
    return;
  }
}
