// dast rule pack - the cheap part of the node-level rules (0, 10095, 40034, 40035, 40014, 40012's forms),
// loaded at the top of their scripts:
//   load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
// ZAP 2.11.1's script scanner evaluates every enabled active script afresh for every node it scans (to
// ask for scanNode), and loading lib/active.js and lib/discovery.js makes that evaluation about 70 ms
// slower. So these rules first check here, without them, whether the node holds any work for them (a
// folder or path not done yet), and load the libraries only then.

var DastNodeVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var DAST_STATE_VAR = "dast.scan.state";
// Bounds per rule and scan: folders and files looked at.
var DAST_MAX_FOLDERS = 25;
var DAST_MAX_FILES = 200;

// The node's path, escaped as sent ("/static/style.css").
function dastPath(msg) {
  var path = msg.getRequestHeader().getURI().getEscapedPath();
  return path == null || String(path).length == 0 ? "/" : String(path);
}

// Folders from the root down to the one holding the path: "/a/b.html" -> ["/", "/a/"].
function dastFolders(path) {
  var out = ["/"];
  var parts = path.split("/");
  var folder = "/";
  for (var i = 1; i < parts.length - 1; i++) {
    if (parts[i].length == 0) continue;
    folder += parts[i] + "/";
    out.push(folder);
  }
  return out;
}

// Whether any key may still be claimed in this scan (dastClaim in lib/discovery.js): not claimed yet,
// and its kind (the key up to the first "|") below the limit.
function dastUnclaimed(as, keys, limit) {
  var all = DastNodeVars.getGlobalCustomVar(DAST_STATE_VAR);
  var state = all == null ? null : all.get(as.getParent());
  if (state == null) return true;
  for (var i = 0; i < keys.length; i++) {
    if (state.containsKey(keys[i])) continue;
    var n = state.get("count|" + keys[i].split("|")[0]);
    if (n == null || n < limit) return true;
  }
  return false;
}

// A urlencoded POST with a same-site Referer: the shape of a form ZAP 2.11.1's spider submitted, which may
// have been a multipart form (lib/multipart.js).
function dastSpiderFormPost(msg) {
  var header = msg.getRequestHeader();
  if (String(header.getMethod()) != "POST") return false;
  if (String(header.getHeader("Content-Type") || "").toLowerCase().indexOf("x-www-form-urlencoded") < 0) return false;
  var uri = header.getURI();
  return String(header.getHeader("Referer") || "").indexOf(uri.getScheme() + "://" + uri.getEscapedAuthority() + "/") == 0;
}
