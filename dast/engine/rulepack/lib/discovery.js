// dast rule pack - helpers of the node-level discovery rules (0, 10095, 40034, 40035) and of the persistent
// XSS rule (40014). Loaded after lib/nodes.js and lib/active.js:
//   load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
// ZAP 2.11.1's script scanner calls scanNode(as, msg) once per node of the Sites tree (a path with a
// method and a set of parameter names), so several nodes share one folder or one path: these rules keep
// what they did in a per-scan state and do each folder and each path once.

var DastWeakHashMap = Java.type("java.util.WeakHashMap");
var DastConcurrentHashMap = Java.type("java.util.concurrent.ConcurrentHashMap");
var DastCollections = Java.type("java.util.Collections");
var DastURI = Java.type("org.apache.commons.httpclient.URI");
var DastUUID = Java.type("java.util.UUID");

// A map shared by every rule and every copy of a script for one active scan of one host: keyed by the
// scan's HostProcess (weakly), so the next scan starts empty and a finished one is garbage collected.
var dastScanState = Java.synchronized(function (as) {
  var all = DastScriptVars.getGlobalCustomVar(DAST_STATE_VAR);
  if (all == null) {
    all = DastCollections.synchronizedMap(new DastWeakHashMap());
    DastScriptVars.setGlobalCustomVar(DAST_STATE_VAR, all);
  }
  var host = as.getParent();
  var state = all.get(host);
  if (state == null) {
    state = new DastConcurrentHashMap();
    all.put(host, state);
  }
  return state;
}, DastScriptVars.class);

// True the first time this key is claimed in this scan; false afterwards and once `limit` keys of the
// same kind were claimed (the kind is the key up to its first "|").
var dastClaim = Java.synchronized(function (as, key, limit) {
  var state = dastScanState(as);
  if (state.containsKey(key)) return false;
  var kind = "count|" + key.split("|")[0];
  var n = state.containsKey(kind) ? state.get(kind) : 0;
  if (n >= limit) return false;
  state.put(kind, n + 1);
  state.put(key, "");
  return true;
}, DastScriptVars.class);

// Sends GET for a path of the node's site (escaped), with the node's headers (cookies, credential).
function dastGet(ctx, msg, escapedPath) {
  var m = msg.cloneRequest();
  var uri = msg.getRequestHeader().getURI();
  var header = m.getRequestHeader();
  header.setMethod("GET");
  header.setURI(new DastURI(uri.getScheme() + "://" + uri.getEscapedAuthority() + escapedPath, true));
  header.setHeader("Content-Type", null);
  m.setRequestBody("");
  header.setContentLength(0);
  return ctx.sendMessage(m);
}

// A name no server has: for the soft-404 comparison (same folder, same shape as the candidate).
function dastMissingName() {
  return "dast" + String(DastUUID.randomUUID()).replace(/-/g, "").substring(0, 12);
}

// Whether two bodies are the same page: equal, or (pages with changing parts: tokens, times) at least
// 90% of their lines equal. Strings the server may echo (the requested names) are removed first.
function dastSamePage(a, b, echoed) {
  a = dastStrip(a, echoed);
  b = dastStrip(b, echoed);
  if (a == b) return true;
  var la = a.split("\n");
  var lb = b.split("\n");
  var longest = Math.max(la.length, lb.length);
  if (Math.abs(la.length - lb.length) > Math.max(2, 0.1 * longest)) return false;
  var seen = {};
  for (var i = 0; i < lb.length; i++) seen["l" + lb[i]] = true;
  var same = 0;
  for (var j = 0; j < la.length; j++) if (seen["l" + la[j]] === true) same++;
  return same >= 0.9 * longest;
}

// Fetches folder + name and decides whether it is really there:
// 1. the answer is 200 with a body, and passes opts.content(body) when given (what such a file holds);
// 2. the same folder's never-existing name of the same shape (opts.missing: the name with the random
//    part) does not answer the same page (a soft 404, e.g. a catch-all route).
// Returns null, or {kind, hit, other}: "confirmed" when the missing name got no 200 or the content
// check passed, else "firm". Sends 1 request when the path is not there, 2 when it answers 200.
function dastDiscover(ctx, msg, folder, name, opts) {
  var r = dastGet(ctx, msg, folder + name);
  if (r == null || dastStatus(r.m) != 200) return null;
  var body = dastBody(r.m);
  if (body.length == 0) return null;
  if (opts.content && !opts.content(body)) return null;
  var random = dastMissingName();
  var missing = opts.missing ? opts.missing(random) : random;
  var echoed = [folder + name, folder + missing, name, missing];
  var twin = dastGet(ctx, msg, folder + missing);
  if (twin == null) return null;
  var twinStatus = dastStatus(twin.m);
  if (twinStatus == 200 && dastSamePage(body, dastBody(twin.m), echoed)) return null;
  var other = "A name that does not exist in the same folder, " + folder + missing + ", answered HTTP " + twinStatus +
    (twinStatus == 200 ? " with a different page." : ".");
  var kind = twinStatus != 200 || opts.content ? "confirmed" : "firm";
  return { kind: kind, hit: r, other: other };
}
