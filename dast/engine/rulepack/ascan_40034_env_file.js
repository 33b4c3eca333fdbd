// dast rule pack - active rule 40034: .env Information Leak.
// ZAP active script (Nashorn): scanNode(as, msg), each folder once (at most 25 per scan). Alerts carry
// pluginId 40034. Requests a folder's .env (and at HIGH and above its per-environment variants); the
// answer must be 200 and read like a dotenv file (NAME=value lines, no HTML), and a never-existing dot
// file in the same folder must not answer the same page. RULE.requests counts per folder: [1 per name
// when nothing is there, at most 2 per name]. One finding per folder: the first file found ends its list.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 40034,
  name: ".env Information Leak",
  risk: 2, confidence: 2, cwe: 215, wasc: 13,
  description: "The web server serves a .env file: the file of environment settings that many frameworks read at start-up. It typically holds database passwords, API keys, signing secrets and internal host names, so anyone who can fetch it can take over the accounts and services it names.",
  solution: "Keep .env files outside the web root and out of deployed images, and configure the web server to refuse every name that starts with a dot. Treat every secret the file held as disclosed: rotate the passwords, keys and tokens, and check the services they protect for misuse.",
  reference: "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information\nhttps://cwe.mitre.org/data/definitions/215.html",
  requests: {LOW: [1, 2], MEDIUM: [1, 2], HIGH: [3, 6], INSANE: [5, 10]}
};

// The shared libraries, loaded only once a node has work (lib/nodes.js says why).
function libraries() {
  if (typeof DastRule == "function") return;
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
}
var NAMES = [".env", ".env.local", ".env.production", ".env.development", ".env.prod"];
// At least one NAME=value line, and no markup (a catch-all HTML page is no dotenv file).
var SETTING = /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=/m;

function looksLikeDotenv(body) {
  return SETTING.test(body) && !/<(html|body|head|div|!doctype)\b/i.test(body);
}

function scanNode(as, msg) {
  var folders = dastFolders(dastPath(msg));
  var keys = folders.map(function (f) { return "40034|" + f; });
  if (!dastUnclaimed(as, keys, DAST_MAX_FOLDERS)) return;
  libraries();
  for (var i = 0; i < folders.length; i++) {
    if (!dastClaim(as, "40034|" + folders[i], DAST_MAX_FOLDERS)) continue;
    var ctx = DastRule(RULE, as);
    var list = NAMES.slice(0, RULE.requests[ctx.strength][0]);
    for (var j = 0; j < list.length && !ctx.stopped(); j++) {
      var name = list[j];
      var found = dastDiscover(ctx, msg, folders[i], name, {
        content: looksLikeDotenv,
        missing: function (random) { return "." + random; }
      });
      var line = found == null ? null : SETTING.exec(dastBody(found.hit.m));
      if (found != null && ctx.raise(found.kind, found.hit.m, "", folders[i] + name, line ? line[0].trim() : "", found.other)) break;
    }
  }
}

// Parameters are not this rule's concern (ZAP needs the function to call scanNode).
function scan(as, msg, param, value) {}
