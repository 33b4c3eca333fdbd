// dast rule pack - passive rule 10054: Cookie without SameSite Attribute.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 10054.
var RULE = {
  id: 10054,
  name: "Cookie without SameSite Attribute",
  risk: 1, confidence: 2, cwe: 1275, wasc: 13,
  description: "The response sets a cookie without a SameSite attribute. The cookie's cross-site behaviour is then left to each browser's default, and browsers that do not default to Lax attach it to every request that another website causes towards this site (form posts, images, scripts). This makes cross-site request forgery and cross-site information leaks easier, in particular for session cookies.",
  solution: "Give every cookie an explicit SameSite attribute: Strict for cookies that are never needed when a user arrives from another site, Lax for session cookies that must survive a user following a link to the site. Use None only where cross-site use is a real requirement, and then always together with Secure. Keep anti-CSRF tokens on state-changing requests, since SameSite is an additional layer and not a replacement.",
  reference: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie\nhttps://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/1275.html"
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
  var v = cookie.attrs["samesite"];
  if (v === undefined) return {};
  v = v.toLowerCase();
  if (v == "strict" || v == "lax") return null;
  if (v == "none") {
    return { name: "Cookie with SameSite Attribute None",
             description: "The response sets a cookie with SameSite=None, which explicitly lets browsers attach it to requests that other websites cause towards this site. Unless cross-site use of this cookie is a deliberate requirement, it stays exposed to cross-site request forgery and cross-site information leaks; where it is required, the cookie must also be Secure." };
  }
  return { name: "Cookie with Invalid SameSite Attribute",
           description: "The response sets a cookie whose SameSite attribute has a value other than Strict, Lax or None. Browsers ignore a value they do not recognise and fall back to their own default, so the restriction the developer intended may not apply and the cookie may be sent with requests that other websites cause, which helps cross-site request forgery." };
}
