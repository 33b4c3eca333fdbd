// dast rule pack - passive rule 10036: Server Leaks Version Information via "Server" HTTP Response Header Field.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10036.
var RULE = {
  id: 10036,
  name: "Server Leaks Version Information via \"Server\" HTTP Response Header Field",
  risk: 1, confidence: 3, cwe: 497, wasc: 13,
  description: "The Server response header names the server software together with its version number. This tells an attacker which product and release handles the requests, so they can look up known vulnerabilities and ready-made exploits for exactly that version instead of having to probe for them. It is not a vulnerability on its own, but it makes targeted attacks cheaper.",
  solution: "Configure the web server, application server, reverse proxy or framework to leave out the Server header or to send only a generic product name without version details (for example ServerTokens Prod in Apache httpd or server_tokens off in nginx). Keep the software patched anyway: hiding the version does not remove its vulnerabilities.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Server\nhttps://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server\nhttps://cwe.mitre.org/data/definitions/497.html"
};
// A version token: a number right after a slash ("Apache/2", "nginx/1.25.3") or a dotted number standing
// on its own ("Jetty(9.4.z)", "Server: 1.2"). Digits inside a name ("AmazonS3", "ECS (dcb/7F84)") are
// no version, unlike in ZAP's own rule, which reports any digit.
var VERSION = /\/v?\d+(?![\w-])|(?:^|[\s(;,])v?\d+(?:\.\d+)+/i;

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
