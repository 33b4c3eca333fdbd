// dast rule pack - passive rule 10010: Cookie No HttpOnly Flag.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10010.
var RULE = {
  id: 10010,
  name: "Cookie No HttpOnly Flag",
  risk: 1, confidence: 2, cwe: 1004, wasc: 13,
  description: "The response sets a cookie without the HttpOnly attribute, so JavaScript running on the page can read it through document.cookie. Any script an attacker manages to run on the site, for example through a cross-site scripting flaw, can then copy the cookie and send it elsewhere. If the cookie identifies a session or carries an authentication token, the attacker can use it to act as the user.",
  solution: "Add the HttpOnly attribute to every cookie that client-side script does not need to read, and always to session and authentication cookies. Set it once in the framework's session or cookie configuration rather than response by response. If a cookie really must be readable by script, make sure it holds nothing that grants access on its own.",
  reference: "https://owasp.org/www-community/HttpOnly\nhttps://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie\nhttps://cwe.mitre.org/data/definitions/1004.html"
};
var HTTPS_ONLY = false;

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
  return cookie.attrs["httponly"] !== undefined ? null : {};
}
