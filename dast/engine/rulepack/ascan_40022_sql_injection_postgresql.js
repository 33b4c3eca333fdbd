// dast rule pack - active rule 40022: SQL Injection - PostgreSQL (Time Based).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40022.
// Time-based blind injection through lib/sql_time.js (dialect: PG_SLEEP(seconds)). The delay is
// dast.timing.unit_ms x 1..4 by strength. Requests per parameter: RULE.requests.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/sql_time.js");
var RULE = {
  id: 40022,
  name: "SQL Injection - PostgreSQL (Time Based)",
  risk: 3, confidence: 2, cwe: 89, wasc: 19,
  description: "A request parameter appears to be inserted into a PostgreSQL query as SQL text. The page gives nothing away in its content, but when the scanner appended a call that makes PostgreSQL wait (PG_SLEEP), the response arrived later by about the requested delay; the same payload with a zero delay was fast again, and the delay was repeatable. An attacker can use such delays to read the database one bit at a time (blind injection) and, depending on the database and its privileges, change data or take over the server.",
  solution: "Pass every value that comes from a request to the database as a parameter of a prepared statement (or through an ORM or query builder that binds values), never by concatenating or formatting it into the SQL text. Where parts of a query that cannot be parameters must vary, pick them from a fixed allow list in code. Give the application's database account only the permissions it needs, so that an injected statement can do as little as possible, and set a statement timeout so that one request cannot hold a connection for long.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html\nhttps://owasp.org/www-community/attacks/Blind_SQL_Injection\nhttps://cwe.mitre.org/data/definitions/89.html",
  requests: {LOW: [2, 4], MEDIUM: [2, 4], HIGH: [6, 12], INSANE: [10, 20]}
};
// Payload forms: numeric context first, quoted string second (see lib/sql_time.js).
var FORMS = [
  function (v, s) { return v + " AND CAST(PG_SLEEP(" + dastSeconds(s) + ") AS VARCHAR) IS NOT NULL"; },
  function (v, s) { return v + "' AND CAST(PG_SLEEP(" + dastSeconds(s) + ") AS VARCHAR) IS NOT NULL AND '1'='1"; },
  function (v, s) { return v + "; SELECT PG_SLEEP(" + dastSeconds(s) + ")--"; },
  function (v, s) { return v + "'; SELECT PG_SLEEP(" + dastSeconds(s) + ")--"; },
  function (v, s) { return v + ") AND CAST(PG_SLEEP(" + dastSeconds(s) + ") AS VARCHAR) IS NOT NULL AND (1=1"; }
];

function scan(as, msg, param, value) {
  dastSqlTimeScan(RULE, as, msg, param, value, FORMS, 0.8);
}
