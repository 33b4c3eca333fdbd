// dast rule pack - the one active script dast loads into ZAP; it runs every active rule of the pack.
// Why one entry instead of a script per rule: ZAP 2.11.1 evaluates each active script in a fresh script
// engine twice per node (for scanNode, then for its parameters), and a rule with the shared library took
// ~20 ms to set up each time, more than its requests on small pages. This entry is a few lines; the
// runner (lib/runner.js) is evaluated once per engine and keeps each rule (ascan_<id>_*.js) compiled.
var DastRunner = (function (vars) {
  return vars.getGlobalCustomVar("dast.rulepack.runner.v1") || load(vars.getGlobalVar("dast.rulepack.dir") + "/lib/runner.js");
})(Java.type("org.zaproxy.zap.extension.script.ScriptVars"));

function scan(as, msg, param, value) { DastRunner.scan(as, msg, param, value); }

function scanNode(as, msg) { DastRunner.scanNode(as, msg); }
