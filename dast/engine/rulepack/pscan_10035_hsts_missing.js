// dast rule pack - passive rule 10035: Strict-Transport-Security Header Not Set (https only).
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10035.
var RULE = {
  id: 10035,
  name: "Strict-Transport-Security Header Not Set",
  risk: 1, confidence: 3, cwe: 319, wasc: 15,
  description: "HTTP Strict Transport Security (HSTS) is a web security policy mechanism whereby a web server declares that complying user agents (such as a web browser) are to interact with it using only secure HTTPS connections. The HTTPS response does not set the Strict-Transport-Security header.",
  solution: "Ensure that your web server, application server, load balancer, etc. is configured to enforce Strict-Transport-Security.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html\nhttps://owasp.org/www-community/Security_Headers\nhttps://en.wikipedia.org/wiki/HTTP_Strict_Transport_Security"
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
