// dast rule pack - the one active script dast loads into ZAP; it runs every active rule of the pack.
// Why one entry instead of a script per rule: ZAP 2.11.1 evaluates each active script in a fresh script
// engine twice per node (for scanNode, then for its parameters), and a rule with the shared library took
// ~20 ms to set up each time, more than its requests on small pages. This entry is a few lines; the
// runner (lib/runner.js) is evaluated once per engine and keeps each rule (ascan_<id>_*.js) compiled.
// The runner is kept under its file's modification time: an engine that outlives a dast upgrade
// loads the new runner instead of keeping the old one.
var DastRunner = (function (vars) {
  var file = vars.getGlobalVar("dast.rulepack.dir") + "/lib/runner.js";
  return vars.getGlobalCustomVar("dast.runner@" + new java.io.File(file).lastModified()) || load(file);
})(Java.type("org.zaproxy.zap.extension.script.ScriptVars"));

function scan(as, msg, param, value) { DastRunner.scan(as, msg, param, value); }

function scanNode(as, msg) { DastRunner.scanNode(as, msg); }
