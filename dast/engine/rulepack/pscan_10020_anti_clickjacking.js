// dast rule pack - passive rule 10020: Missing Anti-clickjacking Header.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10020.
var RULE = {
  id: 10020,
  name: "Missing Anti-clickjacking Header",
  risk: 2, confidence: 2, cwe: 1021, wasc: 15,
  description: "The response does not include either Content-Security-Policy with 'frame-ancestors' directive or X-Frame-Options to protect against 'ClickJacking' attacks.",
  solution: "Modern Web browsers support the Content-Security-Policy and X-Frame-Options HTTP headers. Ensure one of them is set on all web pages returned by your site/app. If you expect the page to be framed only by pages on your server (e.g. it's part of a FRAMESET) then you'll want to use SAMEORIGIN, otherwise if you never expect the page to be framed, you should use DENY. Alternatively consider implementing Content Security Policy's \"frame-ancestors\" directive.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options"
};

function scan(ps, msg, src) {
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (status >= 300 && status < 400) return;
  if (!rh.isHtml()) return;
  if (msg.getResponseBody().length() == 0) return;
  var csp = rh.getHeaderValues("Content-Security-Policy");
  for (var i = 0; i < csp.size(); i++) {
    if (String(csp.get(i)).toLowerCase().indexOf("frame-ancestors") >= 0) return;
  }
  if (rh.getHeader("X-Frame-Options") != null) return;
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setParam("x-frame-options")
    .setMessage(msg)
    .raise();
}
