// dast rule pack - passive rule 10020: Missing Anti-clickjacking Header.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10020.
var RULE = {
  id: 10020,
  name: "Missing Anti-clickjacking Header",
  risk: 2, confidence: 2, cwe: 1021, wasc: 15,
  description: "This HTML response has neither an X-Frame-Options header nor a Content-Security-Policy with a frame-ancestors directive, so any other website may display the page inside a frame. A hostile site can overlay or hide the framed page and trick users into clicking its buttons and links (clickjacking), carrying out actions with their logged-in session without their knowledge.",
  solution: "Tell browsers which sites may frame your pages, on every HTML response. Use the Content-Security-Policy directive frame-ancestors: 'none' if the pages are never framed, or 'self' (plus specific trusted origins) if your own site frames them. For older browsers also send X-Frame-Options with DENY or SAMEORIGIN to the same effect. Set the headers centrally in the web server, reverse proxy or application middleware so that no page is missed.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options\nhttps://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy/frame-ancestors\nhttps://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/1021.html"
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
