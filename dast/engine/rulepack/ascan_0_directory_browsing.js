// dast rule pack - active rule 0: Directory Browsing.
// ZAP active script (Nashorn): scanNode(as, msg), each folder once (at most 25 per scan). Alerts carry
// pluginId 0. Requests the folder itself and looks for a server-generated listing of THAT folder: the
// title or heading names the folder's own path ("Index of /files/", "Directory listing for /files/")
// and the page links to entries, or a listing layout of IIS or Tomcat. A page that only quotes such text
// elsewhere (documentation) does not match. RULE.requests counts per folder.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 0,
  name: "Directory Browsing",
  risk: 2, confidence: 2, cwe: 548, wasc: 48,
  description: "The web server lists the contents of a folder when it is requested without a file name. The listing shows every file the folder holds, including ones no page links to, such as backups, include files, scripts, uploads and data exports, so an attacker can find and fetch files that were never meant to be found.",
  solution: "Turn off automatic directory listings in the web server or framework (for example Options -Indexes in Apache httpd, autoindex off in nginx, directoryBrowse disabled in IIS) and serve an index page or a 403/404 for folders instead. Where a listing is wanted, make sure the folder holds only files meant for the public.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information\nhttps://cwe.mitre.org/data/definitions/548.html",
  requests: {LOW: [1, 1], MEDIUM: [1, 1], HIGH: [1, 1], INSANE: [1, 1]}
};

// The shared libraries, loaded only once a node has work (lib/nodes.js says why).
function libraries() {
  if (typeof DastRule == "function") return;
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
}

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The listing layouts of common servers, for one folder path (unescaped, "/files/").
function listingOf(body, folder) {
  var path = escapeRegex(folder) + "?";
  var titled = new RegExp("<(title|h1|h2)>\\s*(Index of|Directory listing for|Directory Listing For \\[?)\\s*" + path +
    "\\]?\\s*</", "i");
  var heading = titled.exec(body);
  if (heading != null && /<a\s[^>]*href=/i.test(body)) return heading[0];
  var iis = /<pre>\s*<a href="[^"]*">\[To Parent Directory\]<\/a>/i.exec(body);
  if (iis != null) return iis[0];
  return null;
}

function scanNode(as, msg) {
  var folders = dastFolders(dastPath(msg));
  var keys = folders.map(function (f) { return "0|" + f; });
  if (!dastUnclaimed(as, keys, DAST_MAX_FOLDERS)) return;
  libraries();
  for (var i = 0; i < folders.length; i++) {
    if (!dastClaim(as, "0|" + folders[i], DAST_MAX_FOLDERS)) continue;
    var ctx = DastRule(RULE, as);
    var r = dastGet(ctx, msg, folders[i]);
    if (r == null || dastStatus(r.m) != 200 || !dastIsHtmlLike(r.m)) continue;
    var folder = decodeURIComponent(folders[i]);
    var evidence = listingOf(dastBody(r.m), folder);
    if (evidence != null) ctx.raise("confirmed", r.m, "", "", evidence, "");
  }
}

// Parameters are not this rule's concern (ZAP needs the function to call scanNode).
function scan(as, msg, param, value) {}
