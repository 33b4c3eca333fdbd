// dast rule pack - active rule 40024: SQL Injection - SQLite (Time Based).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40024.
// Time-based blind injection through lib/sql_time.js (SQLite has no sleep function: a counting query stands in; its length depends on the server's speed (about 5 million rows a second measured here), so a delayed answer needs only 0.4 of the delay). The delay is
// dast.timing.unit_ms x 1..4 by strength. Requests per parameter: RULE.requests.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/sql_time.js");
var RULE = {
  id: 40024,
  name: "SQL Injection - SQLite (Time Based)",
  risk: 3, confidence: 2, cwe: 89, wasc: 19,
  description: "A request parameter appears to be inserted into a SQLite query as SQL text. The page gives nothing away in its content, but when the scanner appended a call that makes SQLite wait (a heavy query: counting rows of a recursive common table expression), the response arrived later by about the requested delay; the same payload with a zero delay was fast again, and the delay was repeatable. An attacker can use such delays to read the database one bit at a time (blind injection) and, depending on the database and its privileges, change data or take over the server.",
  solution: "Pass every value that comes from a request to the database as a parameter of a prepared statement (or through an ORM or query builder that binds values), never by concatenating or formatting it into the SQL text. Where parts of a query that cannot be parameters must vary, pick them from a fixed allow list in code. Give the application's database account only the permissions it needs, so that an injected statement can do as little as possible, and set a statement timeout so that one request cannot hold a connection for long.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html\nhttps://owasp.org/www-community/attacks/Blind_SQL_Injection\nhttps://cwe.mitre.org/data/definitions/89.html",
  requests: {LOW: [2, 4], MEDIUM: [2, 4], HIGH: [6, 12], INSANE: [10, 20]}
};
// Rows counted to stand in for a delay of s seconds (at about 5 million rows a second); 0 s: one row.
function heavy(s) {
  var rows = Math.max(1, Math.round(s * 5000000));
  return "(WITH RECURSIVE dast_c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM dast_c LIMIT " + rows + ") SELECT COUNT(*) FROM dast_c)";
}
// Payload forms: numeric context first, quoted string second (see lib/sql_time.js).
var FORMS = [
  function (v, s) { return v + " AND " + heavy(s) + ">0"; },
  function (v, s) { return v + "' AND " + heavy(s) + ">0 AND '1'='1"; },
  function (v, s) { return v + "\" AND " + heavy(s) + ">0 AND \"1\"=\"1"; },
  function (v, s) { return v + "') AND " + heavy(s) + ">0 AND ('1'='1"; },
  function (v, s) { return v + ") AND " + heavy(s) + ">0 AND (1=1"; }
];

function scan(as, msg, param, value) {
  dastSqlTimeScan(RULE, as, msg, param, value, FORMS, 0.4);
}
