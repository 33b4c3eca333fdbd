// dast rule pack - active rule 40012: Cross Site Scripting (Reflected).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40012.
// A harmless marker first: only a parameter that echoes it gets the payloads (RULE.requests: [1 when
// the marker is not echoed, at most 1 + payloads]). Redirects are never followed. A payload echoed in
// an HTML response is confirmed; in a response without Content-Type firm; in any other type weak.
// Multipart fields are parameters too (ZAP's multipart variant); file names get their own payloads.
// scanNode: multipart forms ZAP 2.11.1's spider submitted urlencoded (lib/multipart.js).
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 40012,
  name: "Cross Site Scripting (Reflected)",
  risk: 3, confidence: 2, cwe: 79, wasc: 8,
  description: "Input sent in a request parameter is copied into the HTML page of the response without being encoded. The scanner first checked that a harmless marker was echoed, then sent an HTML/script payload and found it unchanged in the returned page, where a browser would parse it as markup. An attacker who gets a user to open a crafted link can run script in that user's browser in the context of this site: reading or changing what the page shows, performing actions with the user's session and stealing data that the page or its readable cookies hold.",
  solution: "Encode untrusted data at the point where it is written into the page, with the encoding that matches the output context: HTML entity encoding for element content, attribute encoding for quoted attribute values, JavaScript string escaping inside scripts and URL encoding inside URLs. Use a template engine that escapes by default and avoid the calls that turn escaping off. Validate input against the expected format (type, length, allowed characters) as an additional layer, and send a Content-Security-Policy that forbids inline script to limit the damage of any case that is missed.",
  reference: "https://owasp.org/www-community/attacks/xss/\nhttps://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/79.html",
  requests: {LOW: [1, 2], MEDIUM: [1, 3], HIGH: [1, 5], INSANE: [1, 7]}
};

function payloads(token) {
  return [
    "<scrIpt>alert(" + token + ");</scRipt>",
    "\"><img src=x onerror=prompt(" + token + ")>",
    "'><svg onload=alert(" + token + ")>",
    "</textarea><script>alert(" + token + ")</script>",
    "javascript:alert(" + token + ")//\"><details open ontoggle=alert(" + token + ")>",
    "</title><iframe srcdoc=\"<script>alert(" + token + ")</script>\">"
  ];
}

// Multipart file names (ZAP's multipart variant hands a file field's name in as its own parameter, named
// like the field): servers keep only the last path segment of a file name and a double quote ends the
// quoted name, so file names get payloads without "/" and without double quotes.
function fileNamePayloads(token) {
  return [
    "<img src=x onerror=alert(" + token + ")>",
    "'><svg onload=alert(" + token + ")>",
    "<details open ontoggle=alert(" + token + ")>",
    "<body onload=alert(" + token + ")>",
    "<iframe onload=alert(" + token + ")>",
    "<input autofocus onfocus=alert(" + token + ")>"
  ];
}

function isFileName(msg, param, value) {
  var ct = String(msg.getRequestHeader().getHeader("Content-Type") || "").toLowerCase();
  if (ct.indexOf("multipart/form-data") < 0) return false;
  var quote = function (text) { return String(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
  var part = new RegExp("name=\"" + quote(param) + "\"\\s*;\\s*filename=\"" + quote(value) + "\"", "i");
  return part.test(String(msg.getRequestBody().toString()));
}

function kindOf(m) {
  var ct = String(m.getResponseHeader().getHeader("Content-Type") || "").toLowerCase();
  if (ct.indexOf("html") >= 0) return "confirmed";
  return ct.length == 0 ? "firm" : "weak";
}

// The marker probe, then (only if it is echoed) the payloads; send(value) sends one value of the parameter.
function attack(ctx, send, param, fileName) {
  var token = dastMarker(param);
  // 1. harmless probe: is the value reflected at all?
  var probe = send(token);
  if (probe == null || dastBody(probe.m).indexOf(token) < 0) return;
  var all = fileName ? fileNamePayloads(token) : payloads(token);
  var list = all.slice(0, RULE.requests[ctx.strength][1] - 1);
  for (var i = 0; i < list.length; i++) {
    var r = send(list[i]);
    if (r == null) continue;
    var status = dastStatus(r.m);
    if (status >= 300 && status < 400) continue;
    if (dastBody(r.m).indexOf(list[i]) < 0) continue;
    if (ctx.raise(kindOf(r.m), r.m, param, list[i], list[i], "")) return;
  }
}

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  attack(ctx, function (v) { return ctx.send(msg, param, v); }, param, isFileName(msg, param, value));
}

// Multipart forms the spider submitted urlencoded (lib/multipart.js): 1 request for the form's page per
// such POST path, then each field (a file field: its file name) like a parameter.
function scanNode(as, msg) {
  if (!dastSpiderFormPost(msg)) return;
  // Loaded only here: ZAP 2.11.1 evaluates the script afresh for every node (lib/nodes.js).
  if (typeof dastMultipartFields != "function") {
    load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
    load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/multipart.js");
  }
  var pageCtx = DastRule(RULE, as);
  pageCtx.left = 1;
  var fields = dastMultipartFields(as, pageCtx, msg);
  for (var i = 0; fields != null && i < fields.length; i++) {
    var ctx = DastRule(RULE, as);
    var field = fields[i];
    attack(ctx, function (v) { return ctx.sendMessage(dastMultipartRequest(msg, fields, field.name, v)); },
      field.name, field.file);
  }
}
