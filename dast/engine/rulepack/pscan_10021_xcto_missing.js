// dast rule pack - passive rule 10021: X-Content-Type-Options Header Missing.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10021.
var RULE = {
  id: 10021,
  name: "X-Content-Type-Options Header Missing",
  risk: 1, confidence: 2, cwe: 693, wasc: 15,
  description: "The response does not carry the header X-Content-Type-Options: nosniff. Without it, a browser may disregard the declared Content-Type and guess the type from the content itself. A response that contains user-supplied data, or an uploaded file, could then be treated as HTML or as a script and lead to cross-site scripting or to the file being run as script by another page.",
  solution: "Send X-Content-Type-Options: nosniff with every response, configured once in the web server, reverse proxy or application middleware. Also make sure each response declares its correct Content-Type (with a charset for text types), so browsers have no reason to guess.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options\nhttps://cwe.mitre.org/data/definitions/693.html"
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
