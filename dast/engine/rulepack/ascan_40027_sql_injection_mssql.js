// dast rule pack - active rule 40027: SQL Injection - MsSQL (Time Based).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40027.
// Time-based blind injection through lib/sql_time.js (dialect: WAITFOR DELAY 'hh:mm:ss.mmm'). The delay is
// dast.timing.unit_ms x 1..4 by strength. Requests per parameter: RULE.requests.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/sql_time.js");
var RULE = {
  id: 40027,
  name: "SQL Injection - MsSQL (Time Based)",
  risk: 3, confidence: 2, cwe: 89, wasc: 19,
  description: "A request parameter appears to be inserted into a Microsoft SQL Server query as SQL text. The page gives nothing away in its content, but when the scanner appended a call that makes Microsoft SQL Server wait (WAITFOR DELAY), the response arrived later by about the requested delay; the same payload with a zero delay was fast again, and the delay was repeatable. An attacker can use such delays to read the database one bit at a time (blind injection) and, depending on the database and its privileges, change data or take over the server.",
  solution: "Pass every value that comes from a request to the database as a parameter of a prepared statement (or through an ORM or query builder that binds values), never by concatenating or formatting it into the SQL text. Where parts of a query that cannot be parameters must vary, pick them from a fixed allow list in code. Give the application's database account only the permissions it needs, so that an injected statement can do as little as possible, and set a statement timeout so that one request cannot hold a connection for long.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html\nhttps://owasp.org/www-community/attacks/Blind_SQL_Injection\nhttps://cwe.mitre.org/data/definitions/89.html",
  requests: {LOW: [2, 4], MEDIUM: [2, 4], HIGH: [6, 12], INSANE: [10, 20]}
};
// WAITFOR DELAY's hh:mm:ss.mmm for s seconds (under a minute).
function clock(s) {
  var ms = Math.round(s * 1000);
  var sec = Math.floor(ms / 1000);
  var rest = String(ms % 1000);
  while (rest.length < 3) rest = "0" + rest;
  return "00:00:" + (sec < 10 ? "0" : "") + sec + "." + rest;
}
// Payload forms: numeric context first, quoted string second (see lib/sql_time.js).
var FORMS = [
  function (v, s) { return v + "; WAITFOR DELAY '" + clock(s) + "'--"; },
  function (v, s) { return v + "'; WAITFOR DELAY '" + clock(s) + "'--"; },
  function (v, s) { return v + "); WAITFOR DELAY '" + clock(s) + "'--"; },
  function (v, s) { return v + "'); WAITFOR DELAY '" + clock(s) + "'--"; },
  function (v, s) { return v + "\"; WAITFOR DELAY '" + clock(s) + "'--"; }
];

function scan(as, msg, param, value) {
  dastSqlTimeScan(RULE, as, msg, param, value, FORMS, 0.8);
}
