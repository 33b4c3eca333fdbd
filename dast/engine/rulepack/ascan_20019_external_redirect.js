// dast rule pack - active rule 20019: External Redirect.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 20019.
// The payload host is a reserved, never-resolving name (.invalid) and redirects are never
// followed, so no request ever leaves for the payload host. Payloads per strength: RULE.requests.
// A Location or Refresh header to the host is confirmed; a meta refresh is firm; a script assignment
// of location to the host is weak (reported at threshold LOW only).
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 20019,
  name: "External Redirect",
  risk: 3, confidence: 2, cwe: 601, wasc: 38,
  description: "The application redirects the browser (through a 3xx Location header, a Refresh header or a meta refresh tag) to a destination taken from a request parameter. When the scanner supplied a URL on a foreign host, the response sent the browser to that host. An attacker can build links on this trusted domain that forward victims to a look-alike site for phishing or malware, or to a server that collects tokens carried in the URL; the trusted domain at the start of the link makes it more convincing.",
  solution: "Do not use request data as a redirect destination. For 'return to' features, pass a key that the server maps to a fixed set of destinations, or accept only relative paths that start with a single '/' (reject values that start with '//' or '/\\' or that contain a scheme or a host). If external destinations are really needed, parse and normalise the URL and compare its host against an explicit allow list, and consider an intermediate page that shows the destination before leaving the site.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/601.html",
  requests: {LOW: [1, 1], MEDIUM: [3, 3], HIGH: [5, 5], INSANE: [6, 6]}
};
var HOST = "dast-redirect.invalid";
var PAYLOADS = [
  "http://" + HOST + "/", "//" + HOST + "/", "https://" + HOST + "/",
  "/\\" + HOST + "/", "http:\\\\" + HOST + "\\", "\\\\" + HOST + "/"
];
// Location targets whose host is the payload host (scheme-relative or absolute, / or \ slashes).
var TARGET = /^\s*(https?:)?[\/\\]{2}dast-redirect\.invalid([\/\\:?#]|$)/i;
var META = /<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*url\s*=\s*["']?(https?:)?[\/\\]{2}dast-redirect\.invalid/i;
var SCRIPTED = /location(\.href)?\s*=\s*["'](https?:)?[\/\\]{2}dast-redirect\.invalid/i;

// [kind, evidence] of a redirect to the payload host, or null.
function redirectEvidence(m) {
  var rh = m.getResponseHeader();
  var status = rh.getStatusCode();
  if (status >= 300 && status < 400) {
    var loc = rh.getHeader("Location");
    if (loc != null && TARGET.test(String(loc))) return ["confirmed", String(loc)];
  }
  var refresh = rh.getHeader("Refresh");
  if (refresh != null) {
    var r = String(refresh);
    var u = r.toLowerCase().indexOf("url=");
    if (u >= 0 && TARGET.test(r.substring(u + 4).replace(/^["']/, ""))) return ["confirmed", r];
  }
  var body = dastBody(m);
  var hit = META.exec(body);
  if (hit != null) return ["firm", hit[0]];
  hit = SCRIPTED.exec(body);
  return hit == null ? null : ["weak", hit[0]];
}

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  var payloads = PAYLOADS.slice(0, RULE.requests[ctx.strength][0]);
  for (var i = 0; i < payloads.length; i++) {
    var r = ctx.send(msg, param, payloads[i]);
    if (r == null) continue;
    var found = redirectEvidence(r.m);
    if (found != null && ctx.raise(found[0], r.m, param, payloads[i], found[1], "")) return;
  }
}
