// dast rule pack - passive rule 10035: Strict-Transport-Security Header Not Set (https only).
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10035.
var RULE = {
  id: 10035,
  name: "Strict-Transport-Security Header Not Set",
  risk: 1, confidence: 3, cwe: 319, wasc: 15,
  description: "This HTTPS response does not include a Strict-Transport-Security (HSTS) header. Without it, browsers keep following http:// links and typed addresses for the site over plain HTTP, so an attacker on the network can intercept that first unencrypted request and keep the user on a plain HTTP or look-alike connection (SSL stripping) before the redirect to HTTPS happens.",
  solution: "Return Strict-Transport-Security on every HTTPS response, for example 'max-age=31536000; includeSubDomains' once every subdomain works over HTTPS. Start with a short max-age while testing and raise it afterwards; with a long max-age and includeSubDomains in place, consider adding the preload directive and submitting the domain to the browser preload list. Keep redirecting plain HTTP requests to HTTPS.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html\nhttps://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security\nhttps://cwe.mitre.org/data/definitions/319.html"
};

function scan(ps, msg, src) {
  if (!msg.getRequestHeader().isSecure()) return;
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (status >= 300 && status < 400) return;
  if (rh.getHeader("Strict-Transport-Security") != null) return;
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setMessage(msg)
    .raise();
}
