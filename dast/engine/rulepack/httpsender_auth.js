// dast credential: a ZAP HTTP Sender script (Nashorn). Not a scan rule.
//
// Adds a header or a cookie to every request ZAP sends to the target's origin, and to no other
// host, and counts the answers that look logged out. dast uses it where ZAP's own authentication
// falls short: a fixed header or cookie, and the token a JSON login returns.
//
// Settings: ZAP global script variables that dast sets through the API before loading the script.
//   dast.auth.origin      the one origin that gets the credential: "http://127.0.0.1:8000"
//   dast.auth.header      header name, or empty
//   dast.auth.cookie      cookie name, or empty
//   dast.auth.value       the value; empty: requests go without it (anonymously)
//   dast.auth.logged_out  Java regex over response headers and body meaning "logged out"; may be empty
// Published: dast.auth.checked (answers to credentialed requests), dast.auth.loggedout (of those,
// the ones matching logged_out), both decimal strings.

var ScriptVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var Pattern = Java.type("java.util.regex.Pattern");
var LOCK = ScriptVars.class;

function setting(name) {
  var value = ScriptVars.getGlobalVar("dast.auth." + name);
  return value == null ? "" : String(value);
}

function originOf(uri) {
  var scheme = String(uri.getScheme() || "").toLowerCase();
  var host = String(uri.getHost() || "").toLowerCase().replace(/^\[|\]$/g, "");
  if (host.indexOf(":") >= 0) host = "[" + host + "]";
  var port = uri.getPort();
  if (port < 0) port = scheme == "https" ? 443 : 80;
  return scheme + "://" + host + ":" + port;
}

function applies(msg) {
  return setting("value") != "" && originOf(msg.getRequestHeader().getURI()) == setting("origin");
}

var increment = Java.synchronized(function (name) {
  var current = parseInt(setting(name), 10);
  ScriptVars.setGlobalVar("dast.auth." + name, String((current > 0 ? current : 0) + 1));
}, LOCK);

// ZAP disables a script that throws: nothing may escape from here.
function sendingRequest(msg, initiator, helper) {
  try {
    if (!applies(msg)) return;
    var header = msg.getRequestHeader();
    var value = setting("value");
    if (setting("header") != "") {
      header.setHeader(setting("header"), value);
      return;
    }
    var name = setting("cookie");
    if (name == "") return;
    var kept = [];
    var existing = header.getHeader("Cookie");
    if (existing != null) {
      var parts = String(existing).split(";");
      for (var i = 0; i < parts.length; i++) {
        var part = parts[i].trim();
        if (part != "" && part.split("=")[0].trim() != name) kept.push(part);
      }
    }
    kept.push(name + "=" + value);
    header.setHeader("Cookie", kept.join("; "));
  } catch (err) {
    // the request goes as it is
  }
}

function responseReceived(msg, initiator, helper) {
  try {
    if (!applies(msg)) return;
    increment("checked");
    var regex = setting("logged_out");
    if (regex == "") return;
    var text = msg.getResponseHeader().toString() + "\n" + msg.getResponseBody().toString();
    if (Pattern.compile(regex).matcher(text).find()) increment("loggedout");
  } catch (err) {
    // counting is best effort
  }
}
