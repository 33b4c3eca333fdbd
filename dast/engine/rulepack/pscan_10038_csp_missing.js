// dast rule pack - passive rule 10038: Content Security Policy (CSP) Header Not Set.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10038.
var RULE = {
  id: 10038,
  name: "Content Security Policy (CSP) Header Not Set",
  risk: 2, confidence: 3, cwe: 693, wasc: 15,
  description: "Content Security Policy (CSP) is an added layer of security that helps to detect and mitigate certain types of attacks, including Cross Site Scripting (XSS) and data injection attacks. The response does not set a Content-Security-Policy header.",
  solution: "Ensure that your web server, application server, load balancer, etc. is configured to set the Content-Security-Policy header.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP\nhttps://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html"
};

function scan(ps, msg, src) {
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (status >= 300 && status < 400) return;
  if (!rh.isHtml()) return;
  if (rh.getHeader("Content-Security-Policy") != null) return;
  if (rh.getHeader("X-Content-Security-Policy") != null) return;
  if (rh.getHeader("X-WebKit-CSP") != null) return;
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setMessage(msg)
    .raise();
}
