// dast rule pack - active rule 40018: SQL Injection (error based and boolean based).
// ZAP active script (Nashorn): scan(as, msg, param, value). Alerts carry pluginId 40018.
// Bounded: at most 7 requests per parameter, redirects are never followed.
var RULE = {
  id: 40018,
  name: "SQL Injection",
  risk: 3, confidence: 2, cwe: 89, wasc: 19,
  description: "A request parameter appears to be inserted into a database query as SQL text instead of being passed as a bound value. Either adding a quote character to the value made a database error message appear in the response, or appending a condition that is always true kept the original page while one that is always false changed it, which is how a modified query behaves. An attacker can rewrite the query to read or change data they should not reach, get past login or authorisation checks and, depending on the database and its privileges, take over the database server.",
  solution: "Pass every value that comes from a request to the database as a parameter of a prepared statement (or through an ORM or query builder that binds values), never by concatenating or formatting it into the SQL text. Where parts of the query that cannot be parameters must vary, such as column names or sort direction, pick them from a fixed allow list in code. Give the application's database account only the permissions it needs, and catch database exceptions so that users get a generic error page instead of driver messages.",
  reference: "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/89.html"
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

function send(as, msg, param, payload) {
  var m = msg.cloneRequest();
  as.setParam(m, param, payload);
  try {
    as.sendAndReceive(m, false, false);
  } catch (e) {
    return null;
  }
  return m;
}

function body(m, strip) {
  var b = String(m.getResponseBody().toString());
  for (var i = 0; i < strip.length; i++) {
    if (strip[i].length > 0) b = b.split(strip[i]).join("");
  }
  return b;
}

function raise(as, m, param, attack, evidence, other) {
  as.newAlert()
    .setPluginId(RULE.id).setName(RULE.name)
    .setRisk(RULE.risk).setConfidence(RULE.confidence)
    .setDescription(RULE.description).setSolution(RULE.solution).setReference(RULE.reference)
    .setCweId(RULE.cwe).setWascId(RULE.wasc)
    .setParam(param).setAttack(attack).setEvidence(evidence).setOtherInfo(other)
    .setMessage(m)
    .raise();
}

function scan(as, msg, param, value) {
  if (as.isStop()) return;
  value = value == null ? "" : String(value);
  // Baseline: the unmodified request.
  var orig = send(as, msg, param, value);
  if (orig == null) return;
  var origBody = body(orig, [value]);

  // 1. Error based: break the quoting and look for a new database error message.
  var errPayloads = [value + "'", value + "\""];
  for (var i = 0; i < errPayloads.length; i++) {
    if (as.isStop()) return;
    var m = send(as, msg, param, errPayloads[i]);
    if (m == null) continue;
    var b = String(m.getResponseBody().toString());
    for (var j = 0; j < DB_ERRORS.length; j++) {
      if (b.indexOf(DB_ERRORS[j]) >= 0 && origBody.indexOf(DB_ERRORS[j]) < 0) {
        raise(as, m, param, errPayloads[i], DB_ERRORS[j],
              "A database error message appeared in the response to the modified value but not in the response to the original value.");
        return;
      }
    }
  }

  // 2. Boolean based: an always-true condition keeps the original page, an always-false one changes it.
  var pairs = [];
  if (/^-?\d+$/.test(value)) pairs.push([value + " AND 1=1", value + " AND 1=2"]);
  pairs.push([value + "' AND '1'='1", value + "' AND '1'='2"]);
  for (var p = 0; p < pairs.length; p++) {
    if (as.isStop()) return;
    var t = send(as, msg, param, pairs[p][0]);
    if (t == null) continue;
    var tb = body(t, [pairs[p][0], value]);
    if (t.getResponseHeader().getStatusCode() != orig.getResponseHeader().getStatusCode() || tb != origBody) continue;
    var f = send(as, msg, param, pairs[p][1]);
    if (f == null) continue;
    var fb = body(f, [pairs[p][1], value]);
    if (fb == origBody) continue;
    // Confirm the page is stable: a repeat of the original must give the same page.
    var again = send(as, msg, param, value);
    if (again == null || body(again, [value]) != origBody) return;
    raise(as, t, param, pairs[p][0], "",
          "Appending an always-true condition [" + pairs[p][0] + "] returned the same page as the original value, " +
          "an always-false condition [" + pairs[p][1] + "] returned a different page, and repeating the original request " +
          "returned the original page again.");
    return;
  }
}
