// dast rule pack - passive rule 10011: Cookie Without Secure Flag.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10011.
var RULE = {
  id: 10011,
  name: "Cookie Without Secure Flag",
  risk: 1, confidence: 2, cwe: 614, wasc: 13,
  description: "A cookie is set over HTTPS without the Secure attribute, so the browser will also send it with plain HTTP requests to the same site, for example when a user follows an http:// link or an attacker injects one. On those requests anyone on the network path can read or change the cookie; if it is a session cookie, they can take over the session.",
  solution: "Set the Secure attribute on every cookie issued by a site that is served over HTTPS, in particular session and authentication cookies, preferably once in the framework's cookie or session settings. Serve the whole site over HTTPS, redirect plain HTTP to HTTPS and enable Strict-Transport-Security so that browsers stop making plain HTTP requests to it.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/06-Session_Management_Testing/02-Testing_for_Cookies_Attributes.html\nhttps://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie\nhttps://cwe.mitre.org/data/definitions/614.html"
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
