// dast rule pack - passive rule 10038: Content Security Policy (CSP) Header Not Set.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10038.
var RULE = {
  id: 10038,
  name: "Content Security Policy (CSP) Header Not Set",
  risk: 2, confidence: 3, cwe: 693, wasc: 15,
  description: "This HTML response does not set a Content-Security-Policy header. A policy tells the browser which sources of script, styles, frames and other content the page may load or run. Without one the browser has no second line of defence: if an attacker manages to inject markup or script into a page, through cross-site scripting or another injection flaw, nothing limits what that code can load or do.",
  solution: "Define a Content-Security-Policy that allows only the sources the application really uses and send it with every HTML response, for example starting from default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'. Move inline scripts and event handlers into files, or allow specific ones with nonces or hashes instead of 'unsafe-inline'. Roll the policy out first with Content-Security-Policy-Report-Only to find what it would block, then enforce it.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP\nhttps://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/693.html"
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
