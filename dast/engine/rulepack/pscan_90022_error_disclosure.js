// dast rule pack - passive rule 90022: Application Error Disclosure.
// ZAP passive script (Nashorn): scan(ps, msg, src). Alerts carry pluginId 90022.
// Unlike the other passive rules it also looks at the active scanner's messages: error pages are
// mostly reached only by attack requests (for example a quote in a numeric parameter), which the
// passive scanner skips by default.
var RULE = {
  id: 90022,
  name: "Application Error Disclosure",
  risk: 2, confidence: 2, cwe: 209, wasc: 13,
  description: "The response contains output that looks like an unhandled error from the application or its platform, such as a stack trace, a framework error page or a database driver message (or, failing that, the request ended in a bare HTTP 500). Such output can reveal source file paths, function and class names, library and framework versions, fragments of queries and configuration details, all of which help an attacker understand the application and aim further attacks; it also shows that the input reached code that did not cope with it. Pages that legitimately show error text, such as documentation, can be false positives.",
  solution: "Catch exceptions centrally and return a generic error page or API error body with a suitable status code and no technical details; include a random reference number that support staff can look up in the server-side logs, where the full error is recorded. Turn off debug and development modes (framework debug pages, detailed error output, display_errors and similar) in production. Then fix the fault that raised the error, which often means validating the input that caused it.",
  reference: "https://owasp.org/www-community/Improper_Error_Handling\nhttps://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/209.html"
};
// Evidence strings of framework/runtime error output (case-sensitive literal matches). TRACES are the
// shape of raw error output (stack traces, the platform's own error markup); MESSAGES are error texts that
// documentation and help pages quote too, so on a page that did not fail (status below 500) they are
// only reported as Informational.
var TRACES = [
  "Traceback (most recent call last)",
  "Exception in thread \"",
  "java.lang.NullPointerException",
  "at java.base/",
  "Server Error in '/' Application",
  "PHP Fatal error",
  "<b>Fatal error</b>:",
  "<b>Warning</b>:",
  "Internal Server Error</title>"
];
var MESSAGES = [
  "sqlite3.OperationalError",
  "Microsoft OLE DB Provider for",
  "ODBC SQL Server Driver",
  "Unhandled Exception:",
  "Stack trace:",
  "Parse error: syntax error",
  "You have an error in your SQL syntax",
  "The error occurred in"
];

// History types (org.parosproxy.paros.model.HistoryReference) this rule scans. ZAP 2.11.1's
// PassiveScanThread reads every record of the session's history table and asks each scanner whether
// it applies to the record's type; for scripts the default is PluginPassiveScanner's default set
// (proxied, ZAP user, spider, AJAX spider). Active scan requests are stored as TYPE_SCANNER_TEMPORARY,
// and the copy kept for an active alert as TYPE_SCANNER, so both are added here.
var HistoryReference = Java.type("org.parosproxy.paros.model.HistoryReference");
var HISTORY_TYPES = [
  HistoryReference.TYPE_PROXIED, HistoryReference.TYPE_ZAP_USER,
  HistoryReference.TYPE_SPIDER, HistoryReference.TYPE_SPIDER_AJAX,
  HistoryReference.TYPE_SCANNER, HistoryReference.TYPE_SCANNER_TEMPORARY
];

function appliesToHistoryType(historyType) {
  for (var i = 0; i < HISTORY_TYPES.length; i++) {
    if (HISTORY_TYPES[i] == historyType) return true;
  }
  return false;
}

function firstFound(body, patterns) {
  for (var i = 0; i < patterns.length; i++) {
    if (body.indexOf(patterns[i]) >= 0) return patterns[i];
  }
  return null;
}

function scan(ps, msg, src) {
  var rh = msg.getResponseHeader();
  var status = rh.getStatusCode();
  if (status == 404) return;
  var ct = String(rh.getHeader("Content-Type") || "").toLowerCase();
  if (ct.length > 0 && ct.indexOf("text") < 0 && ct.indexOf("json") < 0 && ct.indexOf("xml") < 0) return;
  var body = String(msg.getResponseBody().toString());
  var trace = firstFound(body, TRACES);
  var message = trace == null ? firstFound(body, MESSAGES) : null;
  var risk = RULE.risk;
  var other = "";
  var evidence = trace || message;
  // A page that quotes an error message but did not fail is most often documentation; reporting it,
  // even as Informational, would sit under the rule's Medium finding next to the real disclosures.
  if (message != null && status < 500) return;
  if (evidence == null) {
    if (status != 500) return;
    risk = 1;
    evidence = String(rh.getPrimeHeader());
  }
  ps.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(risk).setConfidence(risk == 0 ? 1 : RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setEvidence(evidence).setOtherInfo(other)
    .setMessage(msg)
    .raise();
}
