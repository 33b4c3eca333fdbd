// dast alert export: a ZAP Standalone script (Nashorn or Graal.js). Not a scan rule.
//
// Why: ZAP's alert views (core/view/alerts, alert/view/alerts) read every alert from the start of
// the table for each page and drop duplicates with a list lookup, so paging costs grow with the
// square of the alert count. This script reads alerts by id, each once, and hands back one page.
//
// dast runs it through script/action/runStandAloneScript, once per page. Request and page travel in
// this script's own variables (ZAP allows only 50 global ones, and the rule pack needs them): the
// request in "request"; the page in the custom variable "page" (no size cap; read through
// script/view/scriptCustomVar), or, with "to": "plain", in "page" as a plain variable (ZAP caps its
// value at 1 MiB). Pages are cut by size:
//   in:  {"index": <position in ZAP's alert id list to go on from>, "after": <the id just before it>,
//         "base": "<URL prefix>", "max": <chars per page>,
//         "to": "custom" | "plain", "nonce": "<echoed>"}
//   out: {"alerts": [...], "last": <last alert id read>, "index": <position after it>, "done": true|false,
//         "nonce": "<as given>"}
// (The nonce tells dast the page answers this request, not an older one left in the variable.)
// Each alert is an array of the values of ZAP's own alert view (order: FIELDS in alert_export.py).
// False positives are left out. description, solution and reference come only with the first
// alert of a (pluginId, name) pair in a page (the reader keeps the first it sees), which keeps
// pages small; long texts are cut at FIELD_MAX.

var ScriptVars = Java.type("org.zaproxy.zap.extension.script.ScriptVars");
var Model = Java.type("org.parosproxy.paros.model.Model");
var Alert = Java.type("org.parosproxy.paros.core.scanner.Alert");

var SCRIPT = "dast-export-alerts"; // the name dast loads it under (alert_export.SCRIPT_NAME)
var StringBuilder = Java.type("java.lang.StringBuilder");
var JavaInteger = Java.type("java.lang.Integer");
var FIELD_MAX = 65536;
var RISK = Java.from(Alert.MSG_RISK).map(String);
var CONFIDENCE = Java.from(Alert.MSG_CONFIDENCE).map(String);

function text(value) {
  var s = value == null ? "" : String(value);
  return s.length > FIELD_MAX ? s.substring(0, FIELD_MAX) : s;
}

function exportPage() {
  var request = JSON.parse(String(ScriptVars.getScriptVar(SCRIPT, "request")));
  var db = Model.getSingleton().getDb();
  var table = db.getTableAlert();
  var history = db.getTableHistory();
  var ids = table.getAlertList();
  // The cursor: the position in ZAP's id list where the last page stopped, checked against the id
  // read there (the list only grows at its end while nothing deletes alerts). Should it not match,
  // the position of that id is looked up.
  var start = request.index;
  if (start > 0 && (start > ids.size() || (ids.get(start - 1) | 0) != request.after)) {
    start = ids.indexOf(JavaInteger.valueOf(request.after)) + 1;
    if (start == 0) {
      throw "dast alert export: the alert list changed under the export";
    }
  }
  var out = new StringBuilder('{"alerts":[');
  var count = 0;
  var last = request.after;
  var described = {};
  var methods = {};
  var n = 0;
  for (n = start; n < ids.size(); n++) {
    var id = ids.get(n) | 0;
    var record = table.read(id);
    if (record == null || record.getConfidence() == Alert.CONFIDENCE_FALSE_POSITIVE) {
      last = id;
      continue;
    }
    var url = text(record.getUri());
    if (request.base && url.indexOf(request.base) != 0) {
      last = id;
      continue;
    }
    var historyId = record.getHistoryId();
    if (!(historyId in methods)) {
      var entry = historyId > 0 ? history.read(historyId) : null;
      methods[historyId] = entry == null ? "" : String(entry.getHttpMessage().getRequestHeader().getMethod());
    }
    // One array per alert, in the order of FIELDS in alert_export.py (arrays serialise faster).
    var item = [
      String(record.getAlertId()),
      String(record.getPluginId()),
      text(record.getAlert()),
      RISK[record.getRisk()],
      CONFIDENCE[record.getConfidence()],
      url,
      methods[historyId],
      text(record.getParam()),
      text(record.getAttack()),
      text(record.getEvidence()),
      text(record.getOtherInfo()),
      String(record.getCweId()),
      String(record.getWascId()),
      historyId > 0 ? String(historyId) : ""
    ];
    var key = item[1] + "\u0000" + item[2];
    if (!(key in described)) {
      described[key] = true;
      item.push(text(record.getDescription()), text(record.getSolution()), text(record.getReference()));
    }
    var json = JSON.stringify(item);
    if (count > 0 && out.length() + json.length + 1 > request.max) {
      break;
    }
    if (count > 0) {
      out.append(",");
    }
    out.append(json);
    count++;
    last = id;
  }
  var done = n >= ids.size();
  out.append('],"last":').append(String(last)).append(',"index":').append(String(n)).append(',"done":').append(String(done));
  out.append(',"nonce":').append(JSON.stringify(String(request.nonce))).append("}");
  if (request.to == "plain") {
    ScriptVars.setScriptVar(SCRIPT, "page", out.toString());
  } else {
    ScriptVars.setScriptCustomVar(SCRIPT, "page", out.toString());
  }
}

exportPage();
