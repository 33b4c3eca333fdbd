// dast rule pack - time-based SQL injection, shared by the per-database rules (40019, 40022, 40024,
// 40027). Loaded after lib/active.js. A rule gives its payload forms; this file runs them.
//
// forms: [numeric form, quoted-string form, further forms...], each function(value, seconds) -> payload.
// LOW and MEDIUM try the one form that fits the value (numeric or string); HIGH and INSANE the first
// RULE.requests[strength][0] / 2 forms. Per form: dastTimeProbe (its zero-delay form is the baseline;
// 2 requests without a lead, at most 4).
function dastSqlTimeScan(rule, as, msg, param, value, forms, factor) {
  var ctx = DastRule(rule, as);
  value = value == null ? "" : String(value);
  var count = rule.requests[ctx.strength][0] / 2;
  var chosen = count == 1 ? [/^-?\d+(\.\d+)?$/.test(value) ? forms[0] : forms[1]] : forms.slice(0, count);
  for (var i = 0; i < chosen.length; i++) {
    var form = chosen[i];
    var found = dastTimeProbe(ctx, msg, param, function (s) { return form(value, s); }, factor);
    if (found == null) continue;
    ctx.raise(found.kind, found.hit.m, param, found.attack, "",
              "The response time followed the requested database delay: " + found.other + ".");
    return;
  }
}

// Seconds as a number literal with at most 3 decimals.
function dastSeconds(s) {
  return String(Math.round(s * 1000) / 1000);
}
