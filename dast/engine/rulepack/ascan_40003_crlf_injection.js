// dast rule pack - active rule 40003: CRLF Injection.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40003.
// Appends a line break and a header of dast's own (X-Dast-Crlf: <marker fixed per parameter>); the alert
// needs that header as a real header line of the response (confirmed). One request per line-break form.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 40003,
  name: "CRLF Injection",
  risk: 2, confidence: 2, cwe: 113, wasc: 25,
  description: "A request parameter is copied into an HTTP response header without removing carriage return and line feed characters. When the scanner sent a value containing CR LF followed by a header of its own, the response carried that header as a separate header line. An attacker can add headers (for example Set-Cookie to fix a session), or end the headers early and write a body of their choice (response splitting), which leads to cross-site scripting and to poisoned caches.",
  solution: "Never copy request data into a response header unchanged. Remove or reject CR and LF (and their encoded forms) in any value that ends up in a header, and prefer a framework call that refuses header values with line breaks. For values such as a language or a redirect target, accept only a fixed list of allowed values.",
  reference: "https://owasp.org/www-community/attacks/HTTP_Response_Splitting\nhttps://cwe.mitre.org/data/definitions/113.html",
  requests: {LOW: [1, 1], MEDIUM: [2, 2], HIGH: [3, 3], INSANE: [4, 4]}
};
var HEADER = "X-Dast-Crlf";
// Line breaks in the forms applications let through: CR LF, LF alone, pre-encoded (decoded twice by the
// application), and the UTF-8 forms some servers fold to CR LF.
var BREAKS = ["\r\n", "\n", "%0d%0a", "\u560d\u560a"];
var COUNTS = {LOW: 1, MEDIUM: 2, HIGH: 3, INSANE: 4};

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  value = value == null ? "" : String(value);
  var marker = dastMarker(param);
  var breaks = BREAKS.slice(0, COUNTS[ctx.strength]);
  for (var i = 0; i < breaks.length; i++) {
    var attack = value + breaks[i] + HEADER + ": " + marker;
    var r = ctx.send(msg, param, attack);
    if (r == null) continue;
    var values = dastHeaderValues(r.m, HEADER);
    for (var j = 0; j < values.length; j++) {
      // The application may append to the value (e.g. "; Path=/" after a cookie value).
      var v = values[j].trim();
      if (v != marker && v.indexOf(marker + ";") != 0 && v.indexOf(marker + " ") != 0) continue;
      ctx.raise("confirmed", r.m, param, attack, HEADER + ": " + marker,
                "The response carried the injected header as a header line of its own.");
      return;
    }
  }
}
