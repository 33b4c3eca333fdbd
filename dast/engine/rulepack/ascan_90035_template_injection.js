// dast rule pack - active rule 90035: Server Side Template Injection.
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 90035.
// Arithmetic probes in several template syntaxes: one request per syntax; a computed product is
// confirmed with a second product of other numbers (one more request). Threshold LOW reports the first
// product alone as weak evidence.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 90035,
  name: "Server Side Template Injection",
  risk: 3, confidence: 2, cwe: 1336, wasc: 20,
  description: "A request parameter is rendered by a server-side template engine as part of the template, not as data. When the scanner sent an arithmetic expression in a template syntax, the page showed the computed result, and a second expression with other numbers gave its own result too. An attacker can usually go from evaluating expressions to reading server data and running code on the server, depending on the template engine.",
  solution: "Never build templates from request data: pass user input to the template as a variable that the engine outputs (escaped), and keep template sources fixed in the application. If users must supply templates, use a logic-less engine or the engine's sandbox, and validate the input against a strict format.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection\nhttps://cwe.mitre.org/data/definitions/1336.html",
  requests: {LOW: [1, 2], MEDIUM: [2, 3], HIGH: [6, 7], INSANE: [9, 10]}
};
// Template syntaxes: function(expression) -> payload. Jinja2/Twig/Nunjucks and similar first.
var SYNTAXES = [
  function (e) { return "{{" + e + "}}"; },
  function (e) { return "${" + e + "}"; },
  function (e) { return "<%= " + e + " %>"; },
  function (e) { return "#{" + e + "}"; },
  function (e) { return "{" + e + "}"; },
  function (e) { return "*{" + e + "}"; },
  function (e) { return "[[${" + e + "}]]"; },
  function (e) { return "{{=" + e + "}}"; },
  function (e) { return "@(" + e + ")"; }
];
var COUNTS = {LOW: 1, MEDIUM: 2, HIGH: 6, INSANE: 9};

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  value = value == null ? "" : String(value);
  // Two products fixed per parameter: a page that happens to contain one number does not fire twice.
  var a = dastNumber(param, 17, 1013, 800), b = dastNumber(param, 29, 1009, 700);
  var c = dastNumber(param, 43, 1201, 600), d = dastNumber(param, 71, 1103, 500);
  var syntaxes = SYNTAXES.slice(0, COUNTS[ctx.strength]);
  for (var i = 0; i < syntaxes.length; i++) {
    var attack = value + syntaxes[i](a + "*" + b);
    var r = ctx.send(msg, param, attack);
    if (r == null) continue;
    var product = String(a * b);
    if (dastStrip(dastBody(r.m), [attack]).indexOf(product) < 0) continue;
    if (ctx.threshold == "LOW") {
      ctx.raise("weak", r.m, param, attack, product, "The page showed the product " + product + " (not confirmed: threshold LOW).");
      return;
    }
    var confirm = value + syntaxes[i](c + "*" + d);
    var again = ctx.send(msg, param, confirm);
    if (again == null) continue;
    var second = String(c * d);
    if (dastStrip(dastBody(again.m), [confirm]).indexOf(second) < 0) continue;
    ctx.raise("confirmed", again.m, param, confirm, second,
              "The page showed the product of [" + attack + "] (" + product + ") and of [" + confirm + "] (" + second + ").");
    return;
  }
}
