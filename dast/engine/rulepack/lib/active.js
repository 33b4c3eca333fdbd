// dast rule pack - the shared library of the active scripts (Nashorn; also Graal.js, where load() is a
// global too). Each active script loads it first:
//   load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/active.js");
// dast sets dast.rulepack.dir to the pack's folder as the ZAP host sees it (a mount in a container), so
// the scripts load wherever the pack is. A compiled rule serves many calls (lib/runner.js), one thread at
// a time, so this file holds only functions and constants: per-call state lives in DastRule's context.
//
// Settings (ZAP global script variables, set by dast before the active scan). ZAP keeps at most about 50
// global variables, so all rules share a few:
//   dast.rulepack.levels    "<id>=<STRENGTH>/<THRESHOLD> ..." per rule (LOW|MEDIUM|HIGH|INSANE,
//                           LOW|MEDIUM|HIGH); a rule not listed uses the script scanner's own levels
//   dast.timing.unit_ms     time unit of time-based checks (delay = unit x DAST_DELAY_STEPS[strength])
// Published: dast.rulepack.requests, "<id>@<origin>=<n> ..." requests each rule sent to each origin
// (dast empties it first; targets sharing an engine each read their own origin's).
// Note: the msg ZAP hands to scan(as, msg, param, value) is a copy of the request only, without the
// original response; a rule that compares with the original page must request it (a baseline).

var DastScriptVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var DastSystem = Java.type("java.lang.System");
load(DastScriptVars.getGlobalVar("dast.rulepack.dir") + "/lib/origin.js");
var DAST_STRENGTHS = ["LOW", "MEDIUM", "HIGH", "INSANE"];
var DAST_THRESHOLDS = ["LOW", "MEDIUM", "HIGH"];
// Evidence kinds, weakest first: a threshold reports the kinds at or above its own level.
var DAST_EVIDENCE = { weak: 1, firm: 2, confirmed: 3 };
var DAST_THRESHOLD_NEEDS = { LOW: 1, MEDIUM: 2, HIGH: 3 };
var DAST_DELAY_STEPS = { LOW: 1, MEDIUM: 2, HIGH: 3, INSANE: 4 };
var DAST_DEFAULT_UNIT_MS = 500;

function dastSetting(name) {
  var value = DastScriptVars.getGlobalVar(name);
  return value == null ? "" : String(value);
}

// "<id>=<a>/<b> ..." or "<id>=<n> ..." -> {id: "a/b" or "n"}.
function dastEntries(text) {
  var out = {};
  var parts = text.split(" ");
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf("=");
    if (eq > 0) out[parts[i].substring(0, eq)] = parts[i].substring(eq + 1);
  }
  return out;
}

function dastLevel(value, allowed, fallback) {
  value = String(value || "").toUpperCase();
  return allowed.indexOf(value) >= 0 ? value : String(fallback).toUpperCase();
}

// One lock for every copy of every script in the JVM: ZAP evaluates scripts many times, in parallel.
var dastCount = Java.synchronized(function (ruleId, origin) {
  var counts = dastEntries(dastSetting("dast.rulepack.requests"));
  var key = ruleId + "@" + origin;
  var n = parseInt(counts[key] || "0", 10);
  counts[key] = String((isNaN(n) ? 0 : n) + 1);
  var text = [];
  for (var id in counts) text.push(id + "=" + counts[id]);
  DastScriptVars.setGlobalVar("dast.rulepack.requests", text.join(" "));
}, DastScriptVars.class);

// The per-call context of a rule: its strength, threshold and request budget for this parameter.
// rule.requests[strength] = [requests when nothing is found, at most (with confirmation rounds)].
function DastRule(rule, as) {
  var levels = (dastEntries(dastSetting("dast.rulepack.levels"))[String(rule.id)] || "/").split("/");
  var strength = dastLevel(levels[0], DAST_STRENGTHS, as.getAttackStrength());
  if (DAST_STRENGTHS.indexOf(strength) < 0) strength = "MEDIUM";
  var threshold = dastLevel(levels[1], DAST_THRESHOLDS, as.getAlertThreshold());
  if (DAST_THRESHOLDS.indexOf(threshold) < 0) threshold = "MEDIUM";
  var unit = parseInt(dastSetting("dast.timing.unit_ms"), 10);
  return {
    rule: rule,
    as: as,
    strength: strength,
    threshold: threshold,
    left: rule.requests[strength][1],
    delayMs: (isNaN(unit) || unit <= 0 ? DAST_DEFAULT_UNIT_MS : unit) * DAST_DELAY_STEPS[strength],

    // The first n entries of a list ordered by value, n from a {LOW:..,MEDIUM:..,HIGH:..,INSANE:..} map.
    take: function (list, counts) {
      return list.slice(0, counts[this.strength]);
    },

    stopped: function () {
      return this.left <= 0 || this.as.isStop();
    },

    // Sends a copy of msg with param set to payload: counted, within the budget, redirects never
    // followed. Returns {m, ms} (ms: wall time of the exchange), or null (budget spent, stopped, failed).
    send: function (msg, param, payload) {
      var m = msg.cloneRequest();
      this.as.setParam(m, param, payload);
      return this.sendMessage(m);
    },

    // Sends a request the rule built itself (node-level rules), counted and within the budget like send().
    sendMessage: function (m) {
      if (this.stopped()) return null;
      this.left--;
      dastCount(this.rule.id, dastOriginOf(m.getRequestHeader().getURI()));
      var began = DastSystem.nanoTime();
      try {
        this.as.sendAndReceive(m, false, false);
      } catch (e) {
        return null;
      }
      return { m: m, ms: (DastSystem.nanoTime() - began) / 1e6 };
    },

    // Whether evidence of this kind ("weak", "firm", "confirmed") is reported at the threshold.
    reports: function (kind) {
      return DAST_EVIDENCE[kind] >= DAST_THRESHOLD_NEEDS[this.threshold];
    },

    // Raises the rule's alert when the threshold lets this kind of evidence through; returns whether.
    raise: function (kind, m, param, attack, evidence, other) {
      if (!this.reports(kind)) return false;
      this.as.newAlert()
        .setPluginId(this.rule.id).setName(this.rule.name)
        .setRisk(this.rule.risk).setConfidence(DAST_EVIDENCE[kind])
        .setDescription(this.rule.description).setSolution(this.rule.solution).setReference(this.rule.reference)
        .setCweId(this.rule.cwe).setWascId(this.rule.wasc)
        .setParam(param).setAttack(attack).setEvidence(evidence || "").setOtherInfo(other || "")
        .setMessage(m)
        .raise();
      return true;
    }
  };
}

function dastBody(m) {
  return String(m.getResponseBody().toString());
}

function dastStatus(m) {
  return m.getResponseHeader().getStatusCode();
}

// Every value of a response header (a header may repeat, e.g. Set-Cookie).
function dastHeaderValues(m, name) {
  var values = m.getResponseHeader().getHeaderValues(name);
  var out = [];
  for (var i = 0; values != null && i < values.size(); i++) out.push(String(values.get(i)));
  return out;
}

// Cookies a response sets: [{name, value, attributes: "lower-case rest"}].
function dastSetCookies(m) {
  var headers = dastHeaderValues(m, "Set-Cookie");
  var out = [];
  for (var i = 0; i < headers.length; i++) {
    var parts = headers[i].split(";");
    var eq = parts[0].indexOf("=");
    if (eq <= 0) continue;
    out.push({
      name: parts[0].substring(0, eq).trim(),
      value: parts[0].substring(eq + 1).trim(),
      attributes: parts.slice(1).join(";").toLowerCase()
    });
  }
  return out;
}

function dastIsHtmlLike(m) {
  var ct = String(m.getResponseHeader().getHeader("Content-Type") || "").toLowerCase();
  return ct.length == 0 || ct.indexOf("html") >= 0;
}

// A marker fixed per parameter name, never random: two scans of the same app send the same payloads,
// so the URLs reported for them (identity fields) are the same too.
function dastMarker(param) {
  var hash = 0;
  var text = String(param);
  for (var i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) % 900000;
  return "dast" + (hash + 100000);
}

// A small number fixed per parameter name and salt, for arithmetic probes.
function dastNumber(param, salt, low, span) {
  var hash = salt;
  var text = String(param);
  for (var i = 0; i < text.length; i++) hash = (hash * 131 + text.charCodeAt(i)) % 1000003;
  return low + (hash % span);
}

// Body with every occurrence of the given strings removed (reflected payloads and values).
function dastStrip(b, strip) {
  for (var i = 0; i < strip.length; i++) {
    if (strip[i] != null && String(strip[i]).length > 0) b = b.split(String(strip[i])).join("");
  }
  return b;
}

// A time-based check of one payload form: payload(seconds) builds the attack.
// 1. the delayed form must take at least baseMs + 0.8 x delay (baseMs: the caller's measured baseline);
// 2. the same form with a zero delay must be fast again (a slow page or parameter value is no lead);
// 3. at thresholds above LOW, the delayed form once more must be slow (confirmed); at LOW the result
//    of 1 and 2 is reported as weak evidence.
// factor: the share of the delay a delayed answer must add (0.8; lower for heavy queries, whose delay
// depends on the server's speed).
// Returns null or {kind, hit, attack, other}. Sends 1 request when there is no lead, at most 3.
function dastTimeCheck(ctx, msg, param, payload, baseMs, factor) {
  var seconds = ctx.delayMs / 1000;
  var attack = payload(seconds);
  var need = baseMs + (factor || 0.8) * ctx.delayMs;
  var slow = ctx.send(msg, param, attack);
  if (slow == null || slow.ms < need) return null;
  var fast = ctx.send(msg, param, payload(0));
  if (fast == null || fast.ms >= baseMs + 0.5 * ctx.delayMs) return null;
  var timings = "baseline " + Math.round(baseMs) + " ms, delay of " + seconds + " s: " + Math.round(slow.ms) +
    " ms, zero delay: " + Math.round(fast.ms) + " ms";
  if (ctx.threshold == "LOW") return { kind: "weak", hit: slow, attack: attack, other: timings };
  var again = ctx.send(msg, param, attack);
  if (again == null || again.ms < need) return null;
  return { kind: "confirmed", hit: again, attack: attack,
           other: timings + ", delay again: " + Math.round(again.ms) + " ms" };
}

// A time-based check that measures its own baseline: the payload form with a zero delay first, so the
// baseline has the same query shape and a page that is slow for the original value costs nothing.
// zero delay (baseline) -> delayed (lead: slower by factor x delay) -> zero again (fast) -> delayed again.
// Same evidence kinds as dastTimeCheck. Sends 2 requests when there is no lead, at most 4.
function dastTimeProbe(ctx, msg, param, payload, factor) {
  var zero = ctx.send(msg, param, payload(0));
  if (zero == null) return null;
  return dastTimeCheck(ctx, msg, param, payload, zero.ms, factor);
}
