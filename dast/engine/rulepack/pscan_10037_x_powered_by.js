// dast rule pack - passive rule 10037: Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s).
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10037.
// Any non-empty X-Powered-By value is reported, with or without a version (as ZAP's own rule does):
// the header exists only to name the platform.
var RULE = {
  id: 10037,
  name: "Server Leaks Information via \"X-Powered-By\" HTTP Response Header Field(s)",
  risk: 1, confidence: 2, cwe: 497, wasc: 13,
  description: "The response carries one or more X-Powered-By headers, which name the framework, language runtime or platform behind the application, often with its version. This tells an attacker which components the application depends on, so they can look up the vulnerabilities known for exactly those components and skip the work of fingerprinting them. It is not a vulnerability on its own, but it makes targeted attacks cheaper.",
  solution: "Stop the application server, framework or reverse proxy from sending X-Powered-By (for example expose_php = Off in PHP, app.disable(\"x-powered-by\") in Express, removing the header in the IIS or proxy configuration), or strip it at the edge for every response. Keep the named components patched anyway: hiding them does not remove their vulnerabilities.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/08-Fingerprint_Web_Application_Framework\nhttps://cwe.mitre.org/data/definitions/497.html"
};

function scan(ps, msg, src) {
  var v = msg.getResponseHeader().getHeaderValues("X-Powered-By");
  var values = [];
  for (var i = 0; i < v.size(); i++) {
    var value = String(v.get(i)).trim();
    if (value.length > 0) values.push(value);
  }
  if (values.length == 0) return;
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setParam("x-powered-by")
    .setEvidence("X-Powered-By: " + values[0])
    .setOtherInfo(values.length > 1 ? "Every X-Powered-By value: " + values.join(", ") : "")
    .setMessage(msg)
    .raise();
}
