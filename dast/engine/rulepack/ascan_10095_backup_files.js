// dast rule pack - active rule 10095: Backup File Disclosure.
// ZAP active script (Nashorn): scanNode(as, msg), once per path. Alerts carry pluginId 10095.
// For each file the scan reached (each path once), copies an editor or an admin leaves beside it
// ("style.css.bak", "style.css~", "style.css.old", ".style.css.swp"; .orig, .save and more from HIGH); for each folder once (at most 25 per scan),
// backups of well-known configuration files. RULE.requests counts per file: [1 per name when nothing is
// there, at most 2 per name (the soft-404 comparison after a 200) + 1 (the original page)];
// FOLDER_REQUESTS the same per folder. A 200 is reported only when a never-existing name of the same
// shape in the same folder does not answer the same page (a catch-all route or soft 404), and, for an
// HTML answer, when it is not the original page itself (a router that ignores the suffix). One finding
// per file and per folder: the first name found ends that file's or folder's list.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 10095,
  name: "Backup File Disclosure",
  risk: 2, confidence: 2, cwe: 530, wasc: 34,
  description: "A backup or temporary copy of a file is served by the web server: a copy left by an editor, an administrator or a deployment (for example index.php.bak, config.php~ or a .swp swap file). Such copies are usually not run by the server but sent as they are, so they can disclose source code, configuration, credentials or data the original file keeps hidden, and older copies may still contain vulnerabilities that were fixed since.",
  solution: "Remove backup, temporary and editor swap files from the web root and keep them out of deployments (build from version control, with an ignore list). Configure the web server to refuse names with backup suffixes (.bak, .old, .orig, .save, .swp, ~ and similar). Store backups outside the served folders, and rotate any secret a disclosed copy contained.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information\nhttps://cwe.mitre.org/data/definitions/530.html",
  requests: {LOW: [2, 5], MEDIUM: [4, 9], HIGH: [10, 21], INSANE: [15, 31]}
};

// The shared libraries, loaded only once a node has work (lib/nodes.js says why).
function libraries() {
  if (typeof DastRule == "function") return;
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
}
var FOLDER_REQUESTS = {LOW: [1, 2], MEDIUM: [3, 6], HIGH: [6, 12], INSANE: [10, 20]};

// Copies of one file, most common first; name and base are escaped path segments.
function copies(name) {
  var dot = name.lastIndexOf(".");
  var hasExt = dot > 0;
  var base = hasExt ? name.substring(0, dot) : name;
  return [
    name + ".bak", name + "~", name + ".old", "." + name + ".swp", name + ".orig", name + ".save",
    hasExt ? base + ".bak" : name + ".BAK", name + ".backup", name + ".tmp", "Copy%20of%20" + name,
    name + ".1", name + "_bak", hasExt ? base + ".old" : name + ".OLD", "%23" + name + "%23", name + ".copy"
  ];
}

var CONFIG_BACKUPS = [
  "config.php.bak", "wp-config.php.bak", "web.config.bak", "settings.py.bak", "config.inc.php.bak",
  "configuration.php.bak", "config.php.old", "wp-config.php~", "database.yml.bak", "application.properties.bak"
];

// The never-existing counterpart of a candidate: the random name with the candidate's suffix.
function shapeOf(candidate, name) {
  return function (random) {
    var at = candidate.indexOf(name);
    if (at >= 0) return candidate.substring(0, at) + random + candidate.substring(at + name.length);
    var dot = candidate.indexOf(".", 1);
    return random + (dot > 0 ? candidate.substring(dot) : "");
  };
}

function report(ctx, found, candidate) {
  return ctx.raise(found.kind, found.hit.m, "", candidate, "", found.other);
}

function scanFile(ctx, msg, path) {
  var slash = path.lastIndexOf("/");
  var folder = path.substring(0, slash + 1);
  var name = path.substring(slash + 1);
  var list = copies(name).slice(0, RULE.requests[ctx.strength][0]);
  var original = null;
  for (var i = 0; i < list.length && !ctx.stopped(); i++) {
    var found = dastDiscover(ctx, msg, folder, list[i], { missing: shapeOf(list[i], name) });
    if (found == null) continue;
    if (dastIsHtmlLike(found.hit.m)) {
      // A rendered page equal to the original: the router ignored the suffix, nothing was disclosed.
      if (original == null) original = dastGet(ctx, msg, path);
      if (original == null || dastSamePage(dastBody(found.hit.m), dastBody(original.m), [list[i], name])) continue;
    }
    if (report(ctx, found, folder + list[i])) return;
  }
}

function scanFolder(ctx, msg, folder) {
  var list = CONFIG_BACKUPS.slice(0, FOLDER_REQUESTS[ctx.strength][0]);
  for (var i = 0; i < list.length && !ctx.stopped(); i++) {
    var found = dastDiscover(ctx, msg, folder, list[i], { missing: shapeOf(list[i], list[i].split(".")[0]) });
    if (found != null && report(ctx, found, folder + list[i])) return;
  }
}

function scanNode(as, msg) {
  var path = dastPath(msg);
  var folders = dastFolders(path);
  var isFile = path.charAt(path.length - 1) != "/";
  var folderKeys = folders.map(function (f) { return "10095-folder|" + f; });
  if (!dastUnclaimed(as, folderKeys, DAST_MAX_FOLDERS) &&
      !(isFile && dastUnclaimed(as, ["10095-file|" + path], DAST_MAX_FILES))) return;
  libraries();
  var ctx = DastRule(RULE, as);
  for (var i = 0; i < folders.length; i++) {
    if (dastClaim(as, "10095-folder|" + folders[i], DAST_MAX_FOLDERS)) {
      // The folder's own budget, apart from the file's.
      var folderCtx = DastRule(RULE, as);
      folderCtx.left = FOLDER_REQUESTS[folderCtx.strength][1];
      scanFolder(folderCtx, msg, folders[i]);
    }
  }
  if (isFile && dastClaim(as, "10095-file|" + path, DAST_MAX_FILES)) {
    scanFile(ctx, msg, path);
  }
}

// Parameters are not this rule's concern (ZAP needs the function to call scanNode).
function scan(as, msg, param, value) {}
