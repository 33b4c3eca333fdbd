// dast rule pack - active rule 40014: Cross Site Scripting (Persistent).
// ZAP active script (Nashorn): scan(as, msg, param, value) and scanNode(as, msg). Alerts carry pluginId 40014.
// 1. Each parameter gets a harmless marker fixed per method, path and parameter; the rule remembers
//    where it sent it (in the scan's shared state, lib/discovery.js) together with a ready payload request
//    built for that parameter. It then re-visits the pages where stored input most often shows: the
//    redirect target of the answer (post/redirect/get) or else the same path by GET, and from HIGH on
//    also the GET pages this scan already visited (most recent first). RULE.requests per parameter:
//    [1 + the re-visits, + 2 (payload and the page once more) after a marker was found].
// 2. Each GET page (scanNode, once per page, at most 50 per scan) is requested once more and searched
//    for every marker sent so far, so input stored by a parameter scanned earlier is found on pages
//    scanned later (PAGE_REQUESTS, per page).
// Either way a page showing a marker gets the payload through the parameter that stored it, and only
// the payload shown unchanged on that page (not in the answer to the request itself) is reported,
// confirmed, with both URLs.
load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/nodes.js");
var RULE = {
  id: 40014,
  name: "Cross Site Scripting (Persistent)",
  risk: 3, confidence: 2, cwe: 79, wasc: 8,
  description: "Input sent in one request is stored by the application and later copied without encoding into a page that other requests receive. The scanner sent a harmless marker, found it again on another page, then sent an HTML/script payload through the same parameter and found it unchanged on that page, where a browser parses it as markup. Every user who opens the page runs the attacker's script in the context of this site, without having to follow a crafted link: it can read and change what the page shows, act with the user's session and steal data the page or its readable cookies hold.",
  solution: "Encode stored data at the point where it is written into a page, with the encoding that matches the output context (HTML entities in element content, attribute encoding in quoted attributes, JavaScript string escaping in scripts, URL encoding in URLs); use a template engine that escapes by default. Validate input when it is stored (type, length, allowed characters), sanitise the rich text you must accept with a well-tested HTML sanitiser, and send a Content-Security-Policy that forbids inline script to limit the damage of any case that is missed.",
  reference: "https://owasp.org/www-community/attacks/xss/\nhttps://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/79.html",
  requests: {LOW: [2, 4], MEDIUM: [2, 4], HIGH: [4, 6], INSANE: [6, 8]}
};

// The shared libraries, loaded only once a node has work (lib/nodes.js says why).
function libraries() {
  if (typeof DastRule == "function") return;
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
  load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/discovery.js");
}
var PAGE_REQUESTS = {LOW: [1, 3], MEDIUM: [1, 5], HIGH: [1, 7], INSANE: [1, 9]};
var MAX_MARKERS = 500;
var MAX_PAGES = 50;
var CopyOnWriteArrayList = Java.type("java.util.concurrent.CopyOnWriteArrayList");

// A marker fixed per method, path and parameter (two scans send the same), distinct from 40012's.
function markerOf(method, path, param) {
  var hash = 7;
  var text = method + " " + path + " " + param;
  for (var i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) % 9000000;
  return "dastp" + (hash + 1000000);
}

function payloadOf(marker) {
  return "<scrIpt>alert(\"" + marker + "s\")</scRipt>";
}

function pagesSeen(as) {
  var state = dastScanState(as);
  state.putIfAbsent("40014-pages", new CopyOnWriteArrayList());
  return state.get("40014-pages");
}

function pathQuery(m) {
  var uri = m.getRequestHeader().getURI();
  var query = uri.getEscapedQuery();
  return dastPath(m) + (query == null || String(query).length == 0 ? "" : "?" + query);
}

// The redirect target of an answer, when it is on the same site (escaped path and query), else null.
function redirectTarget(m) {
  var status = dastStatus(m);
  if (status < 300 || status >= 400) return null;
  var location = String(m.getResponseHeader().getHeader("Location") || "");
  var uri = m.getRequestHeader().getURI();
  var origin = uri.getScheme() + "://" + uri.getEscapedAuthority();
  if (location.indexOf(origin + "/") == 0) location = location.substring(origin.length);
  return location.charAt(0) == "/" && location.charAt(1) != "/" ? location : null;
}

// Sends the stored payload request of a marker, then fetches the page again: raises when the payload
// is shown there unchanged. entry: [source URL, parameter, payload request, payload].
function confirm(ctx, msg, page, entry) {
  var sent = ctx.sendMessage(entry[2].cloneRequest());
  if (sent == null) return false;
  var shown = dastGet(ctx, msg, page);
  if (shown == null || dastBody(shown.m).indexOf(String(entry[3])) < 0) return false;
  var other = "Sent to " + entry[0] + " in parameter " + entry[1] + "; shown on " +
    shown.m.getRequestHeader().getURI().toString() + ".";
  return ctx.raise("confirmed", shown.m, String(entry[1]), String(entry[3]), String(entry[3]), other);
}

function scan(as, msg, param, value) {
  libraries();
  var method = String(msg.getRequestHeader().getMethod());
  var path = dastPath(msg);
  if (!dastClaim(as, "40014-param|" + method + " " + path + " " + param, MAX_MARKERS)) return;
  var ctx = DastRule(RULE, as);
  var marker = markerOf(method, path, param);
  var payloadMsg = msg.cloneRequest();
  as.setParam(payloadMsg, param, payloadOf(marker));
  var entry = Java.to([msg.getRequestHeader().getURI().toString(), String(param), payloadMsg, payloadOf(marker)],
    "java.lang.Object[]");
  dastScanState(as).put("40014-marker|" + marker, entry);
  var r = ctx.send(msg, param, marker);
  if (r == null) return;
  // Pages to re-visit: the redirect target, the path by GET, then the pages seen, each once.
  var revisits = RULE.requests[ctx.strength][0] - 1;
  var target = redirectTarget(r.m);
  var candidates = [target != null ? target : path];
  var seen = pagesSeen(as).toArray();
  for (var i = seen.length - 1; i >= 0; i--) candidates.push(String(seen[i]));
  var pages = [];
  for (var j = 0; j < candidates.length && pages.length < revisits; j++) {
    if (candidates[j] != null && pages.indexOf(candidates[j]) < 0) pages.push(candidates[j]);
  }
  for (var k = 0; k < pages.length && !ctx.stopped(); k++) {
    var shown = dastGet(ctx, msg, pages[k]);
    if (shown != null && dastBody(shown.m).indexOf(marker) >= 0) {
      confirm(ctx, msg, pages[k], entry);
      return;
    }
  }
}

function scanNode(as, msg) {
  if (String(msg.getRequestHeader().getMethod()) != "GET") return;
  var page = pathQuery(msg);
  if (!dastUnclaimed(as, ["40014-page|" + page], MAX_PAGES)) return;
  libraries();
  if (!dastClaim(as, "40014-page|" + page, MAX_PAGES)) return;
  pagesSeen(as).add(page);
  var ctx = DastRule(RULE, as);
  ctx.left = PAGE_REQUESTS[ctx.strength][1];
  var r = dastGet(ctx, msg, page);
  if (r == null) return;
  var body = dastBody(r.m);
  var state = dastScanState(as);
  var keys = state.keySet().toArray();
  for (var i = 0; i < keys.length && !ctx.stopped(); i++) {
    var key = String(keys[i]);
    if (key.indexOf("40014-marker|") != 0) continue;
    var marker = key.substring("40014-marker|".length);
    if (body.indexOf(marker) >= 0 && confirm(ctx, msg, page, state.get(key))) return;
  }
}
