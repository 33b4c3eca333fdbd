// dast rule pack - multipart forms for the XSS rule (40012). Loaded after lib/nodes.js, lib/active.js and
// lib/discovery.js.
// ZAP 2.11.1's spider submits a multipart/form-data form urlencoded, so the Sites tree holds a urlencoded
// POST: the engine's multipart variant never runs, and a server that reads only multipart never sees the
// values. For such a POST node the rule fetches the form's page (the Referer) once, finds the multipart
// form that posts to the node's path and rebuilds the request as multipart, field by field.

var DAST_BOUNDARY = "----dastFormBoundary7MA4YWxkTrZu0gW";
var DAST_MAX_FORMS = 50;

function dastAttr(tag, name) {
  var m = new RegExp("\\s" + name + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)'|([^\\s>]+))", "i").exec(tag);
  return m == null ? null : (m[2] != null ? m[2] : m[3] != null ? m[3] : m[4]);
}

// The urlencoded body of the node as {name: value} (what the spider filled in).
function dastFormValues(msg) {
  var out = {};
  var pairs = String(msg.getRequestBody().toString()).split("&");
  for (var i = 0; i < pairs.length; i++) {
    var eq = pairs[i].indexOf("=");
    if (eq <= 0) continue;
    try {
      out[decodeURIComponent(pairs[i].substring(0, eq).replace(/\+/g, " "))] =
        decodeURIComponent(pairs[i].substring(eq + 1).replace(/\+/g, " "));
    } catch (e) {
      // a malformed escape: the field keeps the form's own value
    }
  }
  return out;
}

// The path a form's action names, resolved against the page's path (escaped, without query).
function dastActionPath(action, pagePath, origin) {
  if (action == null || action.length == 0) return pagePath;
  if (action.indexOf(origin + "/") == 0) action = action.substring(origin.length);
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(action)) return null;
  action = action.split("#")[0].split("?")[0];
  if (action.charAt(0) != "/") action = pagePath.substring(0, pagePath.lastIndexOf("/") + 1) + action;
  return action;
}

// For a urlencoded POST node whose Referer page holds a multipart form posting to the node's path
// (each path once per scan): the form's fields [{name, value, file}], else null. Sends 1 request (the
// page) when the node is such a POST, none otherwise.
function dastMultipartFields(as, ctx, msg) {
  if (!dastSpiderFormPost(msg)) return null;
  var header = msg.getRequestHeader();
  var uri = header.getURI();
  var origin = uri.getScheme() + "://" + uri.getEscapedAuthority();
  var referer = String(header.getHeader("Referer") || "");
  var path = dastPath(msg);
  if (!dastClaim(as, "40012-form|" + path, DAST_MAX_FORMS)) return null;
  var pagePathQuery = referer.substring(origin.length).split("#")[0];
  var page = dastGet(ctx, msg, pagePathQuery);
  if (page == null || dastStatus(page.m) != 200) return null;
  var body = dastBody(page.m);
  var spider = dastFormValues(msg);
  var forms = body.match(/<form\b[^>]*>[\s\S]*?<\/form>/gi) || [];
  for (var i = 0; i < forms.length; i++) {
    var open = /<form\b[^>]*>/i.exec(forms[i])[0];
    if (String(dastAttr(open, "method") || "").toLowerCase() != "post") continue;
    if (String(dastAttr(open, "enctype") || "").toLowerCase() != "multipart/form-data") continue;
    if (dastActionPath(dastAttr(open, "action"), pagePathQuery.split("?")[0], origin) != path) continue;
    var fields = [];
    var tags = forms[i].match(/<(input|textarea|select)\b[^>]*>/gi) || [];
    for (var j = 0; j < tags.length; j++) {
      var name = dastAttr(tags[j], "name");
      var type = String(dastAttr(tags[j], "type") || "text").toLowerCase();
      if (name == null || ["submit", "button", "image", "reset"].indexOf(type) >= 0) continue;
      var value = spider.hasOwnProperty(name) ? spider[name] : dastAttr(tags[j], "value");
      fields.push({ name: name, value: value == null || value.length == 0 ? "dast.txt" : value, file: type == "file" });
    }
    return fields.length > 0 ? fields : null;
  }
  return null;
}

// A copy of the node's request as multipart/form-data with every field, the target one set to value
// (for a file field: its file name).
function dastMultipartRequest(msg, fields, target, value) {
  var parts = [];
  for (var i = 0; i < fields.length; i++) {
    var f = fields[i];
    var v = f.name == target ? value : f.value;
    var disposition = "Content-Disposition: form-data; name=\"" + f.name + "\"";
    parts.push("--" + DAST_BOUNDARY + "\r\n" + (f.file
      ? disposition + "; filename=\"" + v + "\"\r\nContent-Type: text/plain\r\n\r\ndast\r\n"
      : disposition + "\r\n\r\n" + v + "\r\n"));
  }
  var m = msg.cloneRequest();
  m.getRequestHeader().setHeader("Content-Type", "multipart/form-data; boundary=" + DAST_BOUNDARY);
  m.setRequestBody(parts.join("") + "--" + DAST_BOUNDARY + "--\r\n");
  m.getRequestHeader().setContentLength(m.getRequestBody().length());
  return m;
}
