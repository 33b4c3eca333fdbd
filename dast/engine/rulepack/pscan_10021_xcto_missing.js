// dast rule pack - passive rule 10021: X-Content-Type-Options Header Missing.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10021.
var RULE = {
  id: 10021,
  name: "X-Content-Type-Options Header Missing",
  risk: 1, confidence: 2, cwe: 693, wasc: 15,
  description: "The Anti-MIME-Sniffing header X-Content-Type-Options was not set to 'nosniff'. This allows older versions of Internet Explorer and Chrome to perform MIME-sniffing on the response body, potentially causing the response body to be interpreted and displayed as a content type other than the declared content type.",
  solution: "Ensure that the application/web server sets the Content-Type header appropriately, and that it sets the X-Content-Type-Options header to 'nosniff' for all web pages.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options"
};

function scan(ps, msg, src) {
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (msg.getResponseBody().length() == 0) return;
  if (status >= 300) return; // redirects and error responses are skipped
  var v = rh.getHeaderValues("X-Content-Type-Options");
  for (var i = 0; i < v.size(); i++) {
    if (String(v.get(i)).toLowerCase().indexOf("nosniff") >= 0) return;
  }
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setParam("x-content-type-options")
    .setMessage(msg)
    .raise();
}
