// dast rule pack - active rule 40035: Hidden File Found.
// ZAP active script (Nashorn): scanNode(as, msg), each folder once (at most 25 per scan). Alerts carry
// pluginId 40035. Requests version-control and tool files that should never be served (.git/config,
// .DS_Store, .svn/entries, .htaccess ...); each answer must be 200 and hold what such a file holds (the
// content check), and a never-existing name of the same shape in the same folder must not answer the
// same page. RULE.requests counts per folder: [1 per name when nothing is there, at most 2 per name].
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 40035,
  name: "Hidden File Found",
  risk: 2, confidence: 2, cwe: 538, wasc: 13,
  description: "The web server serves a file that is not meant to be public: version-control metadata (.git, .svn, .hg, .bzr), operating-system or editor files (.DS_Store, IDE settings) or server configuration (.htaccess). Such files reveal the names of unlinked files, internal paths, repository addresses and sometimes credentials; an exposed .git folder can let an attacker download the application's whole source history.",
  solution: "Deploy from a clean build output rather than a working copy, so version-control folders and tool files never reach the server. Configure the web server to refuse every path segment that starts with a dot, and check deployed images for such files. Rotate any credential a disclosed file contained.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information\nhttps://cwe.mitre.org/data/definitions/538.html",
  requests: {LOW: [1, 2], MEDIUM: [4, 8], HIGH: [7, 14], INSANE: [10, 20]}
};

// The shared libraries, loaded only once a node has work (lib/nodes.js says why).
function libraries() {
  if (typeof DastRule == "function") return;
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
}
// Each file with what it must hold: the content check that keeps catch-all pages out.
var FILES = [
  { name: ".git/config", content: /^\s*\[core\]/m },
  { name: ".DS_Store", content: /^[\s\S]{0,4}Bud1/ },
  { name: ".svn/entries", content: /^(\d+\s*$|<\?xml[^>]*>\s*<wc-entries)/m },
  { name: ".htaccess", content: /^\s*(RewriteEngine|RewriteRule|RewriteCond|Deny from|Allow from|Order |Require |Options |AuthType|AuthUserFile|Header |DirectoryIndex)/mi },
  { name: ".git/HEAD", content: /^ref: refs\//m },
  { name: ".hg/hgrc", content: /^\s*\[(paths|ui|extensions)\]/m },
  { name: ".bzr/README", content: /Bazaar control directory/ },
  { name: "CVS/Root", content: /^:(pserver|ext|local|gserver):/m },
  { name: ".idea/workspace.xml", content: /<project version=/ },
  { name: ".vscode/sftp.json", content: /"(host|password|username)"\s*:/ }
];

// The never-existing counterpart: the same folders, the last segment random.
function shapeOf(name) {
  return function (random) {
    var slash = name.lastIndexOf("/");
    return slash >= 0 ? name.substring(0, slash + 1) + random : "." + random;
  };
}

function scanNode(as, msg) {
  var folders = dastFolders(dastPath(msg));
  var keys = folders.map(function (f) { return "40035|" + f; });
  if (!dastUnclaimed(as, keys, DAST_MAX_FOLDERS)) return;
  libraries();
  for (var i = 0; i < folders.length; i++) {
    if (!dastClaim(as, "40035|" + folders[i], DAST_MAX_FOLDERS)) continue;
    var ctx = DastRule(RULE, as);
    var list = FILES.slice(0, RULE.requests[ctx.strength][0]);
    for (var j = 0; j < list.length && !ctx.stopped(); j++) {
      var file = list[j];
      var found = dastDiscover(ctx, msg, folders[i], file.name, {
        content: function (body) { return file.content.test(body) && !/<(html|body|head)\b/i.test(body); },
        missing: shapeOf(file.name)
      });
      if (found == null) continue;
      var evidence = file.content.exec(dastBody(found.hit.m));
      ctx.raise(found.kind, found.hit.m, "", folders[i] + file.name, evidence ? evidence[0].replace(/[^\x20-\x7e]/g, "").trim() : "", found.other);
    }
  }
}

// Parameters are not this rule's concern (ZAP needs the function to call scanNode).
function scan(as, msg, param, value) {}
