// dast rule pack - active rule 40018: SQL Injection (error based and boolean based blind).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40018.
// Requests per parameter (RULE.requests): 1 baseline + ERROR_PAYLOADS + 2 per boolean pair when nothing
// is found; a lead adds its confirmation round. LOW tries the one pair that fits the value.
// Error based: a database error that the baseline did not show is firm; when the same value with the
// quote doubled (escaped) shows no error, confirmed. Boolean based: true/false pair differs as a query
// would, the original page is stable, and a second pair with other numbers agrees: confirmed; at
// threshold LOW the first pair alone is reported as weak evidence. Time-based blind injection is in
// the per-database rules 40019, 40022, 40024 and 40027.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
var RULE = {
  id: 40018,
  name: "SQL Injection",
  risk: 3, confidence: 2, cwe: 89, wasc: 19,
  description: "A request parameter appears to be inserted into a database query as SQL text instead of being passed as a bound value. Either adding a quote character to the value made a database error message appear in the response, or appending a condition that is always true kept the original page while one that is always false changed it, which is how a modified query behaves. An attacker can rewrite the query to read or change data they should not reach, get past login or authorisation checks and, depending on the database and its privileges, take over the database server.",
  solution: "Pass every value that comes from a request to the database as a parameter of a prepared statement (or through an ORM or query builder that binds values), never by concatenating or formatting it into the SQL text. Where parts of the query that cannot be parameters must vary, such as column names or sort direction, pick them from a fixed allow list in code. Give the application's database account only the permissions it needs, and catch database exceptions so that users get a generic error page instead of driver messages.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/89.html",
  requests: {LOW: [4, 7], MEDIUM: [7, 13], HIGH: [12, 24], INSANE: [17, 35]}
};
// Database error messages (literal, case-sensitive) that a syntax error can leak.
var DB_ERRORS = [
  "sqlite3.OperationalError", "SQLITE_ERROR", "unrecognized token:", "SQLite3::", "SQLiteException",
  "You have an error in your SQL syntax", "supplied argument is not a valid MySQL", "com.mysql.jdbc",
  "PostgreSQL query failed", "org.postgresql.util.PSQLException", "pg_query(): ",
  "unterminated quoted string at or near", "syntax error at or near",
  "ORA-00933", "ORA-01756", "ORA-00921", "Oracle error",
  "Unclosed quotation mark after the character string", "Microsoft OLE DB Provider for SQL Server",
  "[Microsoft][ODBC SQL Server Driver]", "SQLServerException", "Incorrect syntax near",
  "java.sql.SQLException", "java.sql.SQLSyntaxErrorException", "SQLSTATE["
];

var ERROR_PAYLOADS = [["'", "''"], ["\"", "\"\""], ["')", "'')"], ["\\", "\\\\"]];
var ERROR_COUNTS = {LOW: 1, MEDIUM: 2, HIGH: 3, INSANE: 4};
// Boolean pairs: function(value, a, b) -> payload whose condition is a=b. Numeric first, then quoted.
var PAIRS = [
  function (v, a, b) { return v + " AND " + a + "=" + b; },
  function (v, a, b) { return v + "' AND '" + a + "'='" + b; },
  function (v, a, b) { return v + "\" AND \"" + a + "\"=\"" + b; },
  function (v, a, b) { return v + "') AND ('" + a + "'='" + b; },
  function (v, a, b) { return v + ") AND (" + a + "=" + b; },
  function (v, a, b) { return v + "' AND " + a + "=" + b + "-- "; }
];
var PAIR_COUNTS = {LOW: 1, MEDIUM: 2, HIGH: 4, INSANE: 6};

function dbError(b) {
  for (var j = 0; j < DB_ERRORS.length; j++) {
    if (b.indexOf(DB_ERRORS[j]) >= 0) return DB_ERRORS[j];
  }
  return null;
}

// The page as the query left it: reflected payloads and the value taken out.
function page(r, strip) {
  return dastStrip(dastBody(r.m), strip);
}

function sameAs(r, orig, origBody, strip) {
  return r != null && dastStatus(r.m) == dastStatus(orig.m) && page(r, strip) == origBody;
}

// One boolean pair: true keeps the original page, false changes it.
function pairHolds(ctx, msg, param, value, make, a, b, orig, origBody) {
  var yes = make(value, a, a), no = make(value, a, b);
  var t = ctx.send(msg, param, yes);
  var f = ctx.send(msg, param, no);
  if (t == null || f == null) return null;
  if (!sameAs(t, orig, origBody, [yes, value]) || page(f, [no, value]) == origBody) return null;
  return [t, yes, no];
}

function scan(as, msg, param, value) {
  var ctx = DastRule(RULE, as);
  value = value == null ? "" : String(value);
  var orig = ctx.send(msg, param, value);
  if (orig == null) return;
  var origBody = page(orig, [value]);

  // 1. Error based: break the quoting and look for a new database error message.
  var errors = ERROR_PAYLOADS.slice(0, ERROR_COUNTS[ctx.strength]);
  for (var i = 0; i < errors.length; i++) {
    var attack = value + errors[i][0];
    var r = ctx.send(msg, param, attack);
    if (r == null) continue;
    var found = dbError(dastBody(r.m));
    if (found == null || origBody.indexOf(found) >= 0) continue;
    var balanced = ctx.send(msg, param, value + errors[i][1]);
    var gone = balanced != null && dastBody(balanced.m).indexOf(found) < 0;
    ctx.raise(gone ? "confirmed" : "firm", r.m, param, attack, found,
              "A database error message appeared in the response to the modified value but not in the response " +
              "to the original value" + (gone ? ", and not with the quote escaped [" + value + errors[i][1] + "]." : "."));
    return;
  }

  // 2. Boolean based, with a confirmation round.
  var numeric = /^-?\d+(\.\d+)?$/.test(value);
  var pairs = ctx.strength == "LOW" ? [PAIRS[numeric ? 0 : 1]] : PAIRS.slice(0, PAIR_COUNTS[ctx.strength]);
  for (var p = 0; p < pairs.length; p++) {
    var lead = pairHolds(ctx, msg, param, value, pairs[p], 1, 2, orig, origBody);
    if (lead == null) continue;
    var other = "Appending an always-true condition [" + lead[1] + "] returned the same page as the original value " +
      "and an always-false condition [" + lead[2] + "] a different one";
    if (ctx.threshold == "LOW") {
      ctx.raise("weak", lead[0].m, param, lead[1], "", other + " (not confirmed: threshold LOW).");
      return;
    }
    // Confirm: the original page is stable, and another pair with other numbers behaves the same.
    if (!sameAs(ctx.send(msg, param, value), orig, origBody, [value])) continue;
    var again = pairHolds(ctx, msg, param, value, pairs[p], 7, 9, orig, origBody);
    if (again == null) continue;
    ctx.raise("confirmed", again[0].m, param, again[1], "",
              other + "; the original request returned the original page again, and a second pair [" + again[1] +
              "] / [" + again[2] + "] behaved the same.");
    return;
  }
}
