// dast rule pack - active rule 20019: External Redirect.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 20019.
// The payload host is a reserved, never-resolving name (.invalid) and redirects are never
// followed, so no request ever leaves for the payload host. At most 3 requests per parameter.
var RULE = {
  id: 20019,
  name: "External Redirect",
  risk: 3, confidence: 2, cwe: 601, wasc: 38,
  description: "The application redirects the browser (through a 3xx Location header, a Refresh header or a meta refresh tag) to a destination taken from a request parameter. When the scanner supplied a URL on a foreign host, the response sent the browser to that host. An attacker can build links on this trusted domain that forward victims to a look-alike site for phishing or malware, or to a server that collects tokens carried in the URL; the trusted domain at the start of the link makes it more convincing.",
  solution: "Do not use request data as a redirect destination. For 'return to' features, pass a key that the server maps to a fixed set of destinations, or accept only relative paths that start with a single '/' (reject values that start with '//' or '/\\' or that contain a scheme or a host). If external destinations are really needed, parse and normalise the URL and compare its host against an explicit allow list, and consider an intermediate page that shows the destination before leaving the site.",
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
