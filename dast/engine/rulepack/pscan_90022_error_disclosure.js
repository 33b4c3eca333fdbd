// dast rule pack - passive rule 90022: Application Error Disclosure.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 90022.
var RULE = {
  id: 90022,
  name: "Application Error Disclosure",
  risk: 2, confidence: 2, cwe: 200, wasc: 13,
  description: "This page contains an error/warning message that may disclose sensitive information like the location of the file that produced the unhandled exception. This information can be used to launch further attacks against the web application. The alert could be a false positive if the error message is found inside a documentation page.",
  solution: "Review the source code of this page. Implement custom error pages. Consider implementing a mechanism to provide a unique error reference/identifier to the client (browser) while logging the details on the server side and not exposing them to the user.",
  reference: "https://owasp.org/www-community/Improper_Error_Handling"
};
// Evidence strings of framework/runtime error output (case-sensitive literal matches).
var PATTERNS = [
  "Traceback (most recent call last)",
  "sqlite3.OperationalError",
  "Exception in thread \"",
  "java.lang.NullPointerException",
  "at java.base/",
  "Microsoft OLE DB Provider for",
  "ODBC SQL Server Driver",
  "Unhandled Exception:",
  "Server Error in '/' Application",
  "Stack trace:",
  "PHP Fatal error",
  "<b>Fatal error</b>:",
  "<b>Warning</b>:",
  "Parse error: syntax error",
  "You have an error in your SQL syntax",
  "The error occurred in",
  "Internal Server Error</title>"
];

function scan(ps, msg, src) {
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (status == 404) return;
  var ct = String(rh.getHeader("Content-Type") || "").toLowerCase();
  if (ct.length > 0 && ct.indexOf("text") < 0 && ct.indexOf("json") < 0 && ct.indexOf("xml") < 0) return;
  var body = String(msg.getResponseBody().toString());
  for (var i = 0; i < PATTERNS.length; i++) {
    if (body.indexOf(PATTERNS[i]) >= 0) {
      ps.newAlert()
        .setPluginId(RULE.id).setName(RULE.name)
        .setRisk(RULE.risk).setConfidence(RULE.confidence)
        .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
        .setCweId(RULE.cwe).setWascId(RULE.wasc)
        .setEvidence(PATTERNS[i])
        .setMessage(msg)
        .raise();
      return;
    }
  }
  if (status == 500) {
    ps.newAlert()
      .setPluginId(RULE.id).setName(RULE.name)
      .setRisk(1).setConfidence(RULE.confidence)
      .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
      .setCweId(RULE.cwe).setWascId(RULE.wasc)
      .setEvidence(String(msg.getResponseHeader().getPrimeHeader()))
      .setMessage(msg)
      .raise();
  }
}
