// dast traffic guard: a ZAP HTTP Sender script (Nashorn). Not a scan rule.
//
// ZAP calls sendingRequest() for every request it sends: spider, active scan, API calls such as
// accessUrl, proxied browser traffic. dast loads this script before the scan sends its first request.
//  - A request whose origin (scheme://host:port) is not an allowed origin is re-pointed at a closed
//    port on loopback: it fails on this machine, and nothing reaches the foreign host (no DNS lookup
//    either). It is counted.
//  - Requests to an allowed origin are spaced at least `interval` apart across all of ZAP's threads,
//    per origin: targets that share an engine (a fleet) each get the whole rate.
//
// Settings: ZAP global script variables that dast sets through the API before loading the script.
//   dast.guard.origins      allowed origins separated by spaces, lower case, default ports written
//                           out, IPv6 hosts in brackets: "http://127.0.0.1:8000 https://[::1]:443"
//   dast.guard.sink         where a blocked request goes: a closed port on loopback
//   dast.guard.interval_us  minimum microseconds between two requests let through; 0: no pacing
//   dast.guard.run          this scan's id: counters and pacing start afresh for every scan
// Published: dast.guard.blocked, requests blocked in this scan (a decimal string).
// Without origins, everything is blocked: a guard that is half set up fails closed.

var ScriptVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var URI = Java.type("org.apache.commons.httpclient.URI");
var AtomicLongArray = Java.type("java.util.concurrent.atomic.AtomicLongArray");
var HashMap = Java.type("java.util.HashMap");
var JavaSystem = Java.type("java.lang.System");
var JavaThread = Java.type("java.lang.Thread");

var STATE_KEY = "dast.guard.state";
// State slots: the scan's start (nanoTime), blocked count; per origin, the next free send time (us
// after start).
var START = 0, BLOCKED = 1;
// One lock for every copy of this script in the JVM: ZAP may evaluate the script more than once.
var LOCK = ScriptVars.class;

function setting(name) {
  var value = ScriptVars.getGlobalVar("dast.guard." + name);
  return value == null ? "" : String(value);
}

// [run id, AtomicLongArray, origin -> next free send time]; replaced when dast starts another scan
// on the same engine.
var state = Java.synchronized(function () {
  var run = setting("run");
  var current = ScriptVars.getGlobalCustomVar(STATE_KEY);
  if (current == null || String(current[0]) != run) {
    var counters = new AtomicLongArray(2);
    counters.set(START, JavaSystem.nanoTime());
    current = Java.to([run, counters, new HashMap()], "java.lang.Object[]");
    ScriptVars.setGlobalCustomVar(STATE_KEY, current);
    ScriptVars.setGlobalVar("dast.guard.blocked", "0");
  }
  return current;
}, LOCK);

var countBlocked = Java.synchronized(function (counters) {
  ScriptVars.setGlobalVar("dast.guard.blocked", String(counters.incrementAndGet(BLOCKED)));
}, LOCK);

// Reserves the origin's next send slot; returns how many microseconds to wait for it.
var reserve = Java.synchronized(function (current, origin, intervalUs) {
  var now = Math.floor((JavaSystem.nanoTime() - current[1].get(START)) / 1000);
  var next = current[2].get(origin);
  var slot = Math.max(now, next == null ? 0 : Number(next));
  current[2].put(origin, slot + intervalUs);
  return slot - now;
}, LOCK);

function originOf(uri) {
  var scheme = String(uri.getScheme() || "").toLowerCase();
  var host = String(uri.getHost() || "").toLowerCase().replace(/^\[|\]$/g, "");
  if (host.indexOf(":") >= 0) host = "[" + host + "]";
  var port = uri.getPort();
  if (port < 0) port = scheme == "https" ? 443 : 80;
  return scheme + "://" + host + ":" + port;
}

function allowed(origin) {
  var origins = setting("origins").split(" ");
  for (var i = 0; i < origins.length; i++) {
    if (origins[i] != "" && origins[i] == origin) return true;
  }
  return false;
}

// ZAP disables a script that throws, which would let every later request through unchecked:
// nothing may escape from here. Any failure blocks the request instead (fail closed).
function sendingRequest(msg, initiator, helper) {
  var header = msg.getRequestHeader();
  var current = null;
  try {
    current = state();
    var origin = originOf(header.getURI());
    if (allowed(origin)) {
      pace(current, origin);
      return;
    }
  } catch (err) {
    // fall through: blocked
  }
  try {
    header.setURI(new URI(setting("sink") || "http://127.0.0.1:1/", true));
    if (current != null) countBlocked(current[1]);
  } catch (err) {
    // nothing left to do; rethrowing would switch the guard off
  }
}

function pace(current, origin) {
  var intervalUs = parseInt(setting("interval_us"), 10);
  if (!(intervalUs > 0)) return;
  var waitUs = reserve(current, origin, intervalUs);
  if (waitUs <= 0) return;
  try {
    JavaThread.sleep(Math.ceil(waitUs / 1000));
  } catch (interrupted) {
    // ZAP is stopping this scan thread: let it see the interruption.
    JavaThread.currentThread().interrupt();
  }
}

function responseReceived(msg, initiator, helper) {}
