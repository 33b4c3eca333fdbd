// dast rule pack - passive rule 10011: Cookie Without Secure Flag.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10011.
var RULE = {
  id: 10011,
  name: "Cookie Without Secure Flag",
  risk: 1, confidence: 2, cwe: 614, wasc: 13,
  description: "A cookie has been set without the secure flag, which means that the cookie can be accessed via unencrypted connections.",
  solution: "Whenever a cookie contains sensitive information or is a session token, then it should always be passed using an encrypted channel. Ensure that the secure flag is set for cookies containing such sensitive information.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/06-Session_Management_Testing/02-Testing_for_Cookies_Attributes.html"
};
var HTTPS_ONLY = true;

// Parse one Set-Cookie header value into {name, value, attrs: {lowercased name: value}}.
function parseSetCookie(header) {
  var parts = String(header).split(";");
  var first = parts[0];
  var eq = first.indexOf("=");
  var cookie = {
    name: (eq >= 0 ? first.substring(0, eq) : first).trim(),
    value: (eq >= 0 ? first.substring(eq + 1) : "").trim(),
    attrs: {}
  };
  for (var i = 1; i < parts.length; i++) {
    var p = parts[i];
    var e = p.indexOf("=");
    var k = (e >= 0 ? p.substring(0, e) : p).trim().toLowerCase();
    if (k.length > 0) cookie.attrs[k] = (e >= 0 ? p.substring(e + 1) : "").trim();
  }
  return cookie;
}

// A cookie being deleted (empty value, Max-Age<=0 or Expires in the past) is not reported.
function isDeletion(cookie) {
  if (cookie.value.length == 0) return true;
  if (cookie.attrs["max-age"] !== undefined && parseInt(cookie.attrs["max-age"], 10) <= 0) return true;
  if (cookie.attrs["expires"] !== undefined) {
    var t = Date.parse(cookie.attrs["expires"].replace(/-/g, " "));
    if (!isNaN(t) && t < Date.now()) return true;
  }
  return false;
}

function scan(ps, msg, src) {
  if (HTTPS_ONLY && !msg.getRequestHeader().isSecure()) return;
  var headers = msg.getResponseHeader().getHeaderValues("Set-Cookie");
  for (var i = 0; i < headers.size(); i++) {
    var header = String(headers.get(i));
    var cookie = parseSetCookie(header);
    if (cookie.name.length == 0 || isDeletion(cookie)) continue;
    var problem = check(cookie);
    if (problem == null) continue;
    ps.newAlert()
      .setPluginId(RULE.id).setName(problem.name || RULE.name)
      .setRisk(RULE.risk).setConfidence(RULE.confidence)
      .setDescription(problem.description || RULE.description)
      .setSolution(RULE.solution).setReference(RULE.reference)
      .setCweId(RULE.cwe).setWascId(RULE.wasc)
      .setParam(cookie.name).setEvidence(header)
      .setMessage(msg)
      .raise();
  }
}

// Returns null when the cookie is fine, else {} (or {name, description}) describing the problem.
function check(cookie) {
  return cookie.attrs["secure"] !== undefined ? null : {};
}
