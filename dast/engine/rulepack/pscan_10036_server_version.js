// dast rule pack - passive rule 10036: Server Leaks Version Information via "Server" HTTP Response Header Field.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10036.
var RULE = {
  id: 10036,
  name: "Server Leaks Version Information via \"Server\" HTTP Response Header Field",
  risk: 1, confidence: 3, cwe: 200, wasc: 13,
  description: "The web/application server is leaking version information via the \"Server\" HTTP response header. Access to such information may facilitate attackers identifying other vulnerabilities your web/application server is subject to.",
  solution: "Ensure that your web server, application server, load balancer, etc. is configured to suppress the \"Server\" header or provide generic details.",
  reference: "https://httpd.apache.org/docs/current/mod/core.html#servertokens\nhttps://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server"
};
var VERSION = /\d/;

function scan(ps, msg, src) {
  var v = msg.getResponseHeader().getHeaderValues("Server");
  for (var i = 0; i < v.size(); i++) {
    var server = String(v.get(i));
    if (!VERSION.test(server)) continue;
    ps.newAlert()
      .setPluginId(RULE.id).setName(RULE.name)
      .setRisk(RULE.risk).setConfidence(RULE.confidence)
      .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
      .setCweId(RULE.cwe).setWascId(RULE.wasc)
      .setEvidence(server)
      .setMessage(msg)
      .raise();
    return;
  }
}
