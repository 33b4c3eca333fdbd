// dast rule pack - the runner behind active_entry.js: runs the active rules dast chose, in order.
// Evaluated once per engine and version of this file (kept in the global custom variable
// dast.runner@<this file's modification time>; ZAP takes keys of fewer than 30 characters). Each rule
// script is compiled into a global of its own (its functions and constants never meet another rule's):
// one copy per thread running it at the same time, kept for the engine's life and compiled again only
// when the file changes.
// Settings (global script variables, set by dast before the active scan):
//   dast.rulepack.dir      the pack's folder on the ZAP host
//   dast.rulepack.active   the active rule files to run, space-separated, in order
// Published: dast.rulepack.errors, "<id>@<origin>=<count>:<last message> |..." for rules that threw, per
// origin of the request they were given. A rule that throws is counted and the others go on (ZAP would
// have disabled the whole script).
(function () {
  var Vars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
  var File = Java.type("java.io.File");
  var ConcurrentHashMap = Java.type("java.util.concurrent.ConcurrentHashMap");
  var ConcurrentLinkedQueue = Java.type("java.util.concurrent.ConcurrentLinkedQueue");
  var ERRORS = "dast.rulepack.errors";
  var MAX_MESSAGE = 300;
  load(Vars.getGlobalVar("dast.rulepack.dir") + "/lib/origin.js");
  var originOf = dastOriginOf; // kept by the closures: the runner outlives the evaluation that made it
  // path@mtime -> idle compiled copies of that rule. ZAP runs each node in a new thread, so copies are
  // lent out instead of kept per thread; a copy (a Nashorn global) is used by one thread at a time,
  // and there are never more copies than threads that ran the rule at once.
  var idle = new ConcurrentHashMap();

  function setting(name) {
    var value = Vars.getGlobalVar(name);
    return value == null ? "" : String(value);
  }

  function compile(path) {
    return loadWithNewGlobal({ name: path, script: "load(" + JSON.stringify(path) + "); this;" });
  }

  var recordError = Java.synchronized(function (file, origin, error) {
    var id = (/^ascan_(\d+)_/.exec(file) || [null, file])[1] + "@" + origin;
    var entries = setting(ERRORS).split(" |");
    var message = String(error).replace(/\s+/g, " ").substring(0, MAX_MESSAGE);
    var count = 1;
    var kept = [];
    for (var i = 0; i < entries.length; i++) {
      var eq = entries[i].indexOf("=");
      if (eq <= 0) continue;
      if (entries[i].substring(0, eq) == id) {
        count = (parseInt(entries[i].substring(eq + 1), 10) || 0) + 1;
      } else {
        kept.push(entries[i]);
      }
    }
    kept.push(id + "=" + count + ":" + message.replace(/ \|/g, " /"));
    Vars.setGlobalVar(ERRORS, kept.join(" |"));
  }, Vars.class);

  // Calls method on every chosen rule that has it, each with its own copy of the request.
  function each(as, msg, method, call) {
    var dir = setting("dast.rulepack.dir");
    var origin = null;
    var files = setting("dast.rulepack.active").split(" ");
    for (var i = 0; i < files.length; i++) {
      if (!files[i] || as.isStop()) continue;
      var path = dir + "/" + files[i];
      var key = path + "@" + new File(path).lastModified();
      var copies = idle.computeIfAbsent(key, function () { return new ConcurrentLinkedQueue(); });
      var rule = null;
      try {
        rule = copies.poll() || compile(path);
        if (typeof rule[method] == "function") call(rule);
      } catch (e) {
        if (origin == null) origin = originOf(msg.getRequestHeader().getURI());
        recordError(files[i], origin, e);
      } finally {
        if (rule != null) copies.offer(rule);
      }
    }
  }

  var runner = {
    scan: function (as, msg, param, value) {
      each(as, msg, "scan", function (rule) { rule.scan(as, msg.cloneRequest(), param, value); });
    },
    scanNode: function (as, msg) {
      each(as, msg, "scanNode", function (rule) { rule.scanNode(as, msg.cloneRequest()); });
    }
  };
  var self = Vars.getGlobalVar("dast.rulepack.dir") + "/lib/runner.js";
  Vars.setGlobalCustomVar("dast.runner@" + new File(self).lastModified(), runner);
  return runner;
})();
