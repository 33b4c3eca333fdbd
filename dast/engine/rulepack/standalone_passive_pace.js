// dast passive pace: a ZAP Standalone script (Nashorn or Graal.js). Not a scan rule.
//
// Why: ZAP's passive scanner thread reads the history table in id order and, each time it has
// caught up, sleeps for `mainSleep` (5 s in ZAP 2.11.1) before it looks for new records. Records
// written during that sleep wait for it to end, so a scan's passive phase took 0-5 s more than the
// work itself, and longer still on an engine shared by a fleet. This script shortens that idle
// sleep to IDLE_MS (the thread then looks for new records ten times a second, a field read and
// one row lookup) and reports the id of the newest history record, so dast can wait for the
// records of one scan rather than for an engine-wide queue that other scans keep filling.
//
// The sleep in progress (up to 5 s) would still hold the first records back, so the thread is
// woken from it, but only when it is idle: asleep in its own loop with nothing left to scan. dast
// runs the script before a scan's first request, when no record of the scan exists yet. ZAP's loop
// catches the interrupt around that sleep (it then naps 200 ms and reads on).
//
// dast runs it through script/action/runStandAloneScript. Out, in this script's own variable
// "state": {"newest": <newest history id>, "idle_ms": <the thread's idle sleep now, -1 unknown>,
// "woken": <threads woken from their sleep>}. An engine whose passive scanner has no such field
// keeps its own pace; "newest" is still given.

var ScriptVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var Model = Java.type("org.parosproxy.paros.model.Model");
var JavaThread = Java.type("java.lang.Thread");

var SCRIPT = "dast-passive-pace"; // the name dast loads it under (passive_pace.SCRIPT_NAME)
var IDLE_MS = 100;

// A private member of the thread's class or a superclass, made accessible (null: none there).
function declared(thread, find) {
  for (var type = thread.getClass(); type != null; type = type.getSuperclass()) {
    try {
      var member = find(type);
      member.setAccessible(true);
      return member;
    } catch (e) {
      // not declared here: look in the superclass
    }
  }
  return null;
}

function idleField(thread) {
  return declared(thread, function (type) { return type.getDeclaredField("mainSleep"); });
}

function recordsToScan(thread) {
  var method = declared(thread, function (type) { return type.getDeclaredMethod("getRecordsToScan"); });
  try {
    return method == null ? -1 : Number(method.invoke(thread));
  } catch (e) {
    return -1; // not known: the thread is not taken for idle
  }
}

// Asleep in its own run loop (not in a scan rule, not in the database), and nothing to scan.
function idleAsleep(thread) {
  if (String(thread.getState()) !== "TIMED_WAITING") {
    return false;
  }
  var stack = thread.getStackTrace();
  return (
    stack.length >= 2 &&
    String(stack[0].getClassName()) === "java.lang.Thread" &&
    String(stack[0].getMethodName()) === "sleep" &&
    String(stack[1].getClassName()) === String(thread.getClass().getName()) &&
    String(stack[1].getMethodName()) === "run" &&
    recordsToScan(thread) === 0
  );
}

var woken = 0;

function shortenIdleSleep() {
  var idle = -1;
  var threads = JavaThread.getAllStackTraces().keySet().iterator();
  while (threads.hasNext()) {
    var thread = threads.next();
    if (String(thread.getName()).indexOf("ZAP-Passive") !== 0) {
      continue;
    }
    var field = idleField(thread);
    if (field == null) {
      continue;
    }
    if (field.getInt(thread) > IDLE_MS) {
      field.setInt(thread, IDLE_MS);
      if (idleAsleep(thread)) {
        thread.interrupt();
        woken += 1;
      }
    }
    idle = field.getInt(thread);
  }
  return idle;
}

var idle = -1;
try {
  idle = shortenIdleSleep();
} catch (e) {
  // a JVM that refuses the reflective access: the scanner keeps its pace, the newest id still counts
}
var newest = Model.getSingleton().getDb().getTableHistory().lastIndex();
ScriptVars.setScriptVar(SCRIPT, "state", JSON.stringify({ newest: Number(newest), idle_ms: Number(idle), woken: woken }));
