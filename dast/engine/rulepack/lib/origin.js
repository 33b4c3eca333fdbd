// dast rule pack - the origin a request goes to, written as dast's Python side writes it
// (engine/interface.py origin_of): "scheme://host:port", lower case, the default port written out,
// an IPv6 host in brackets. Loaded by lib/active.js and lib/runner.js, each into its own global.
// Counters and errors are published per origin, so each target sharing an engine reads its own.
// The origin guard and the credential script keep their own copy on purpose: they must work on an
// engine where the pack's folder variable is not set, and fail closed on their own.

function dastOriginOf(uri) {
  var scheme = String(uri.getScheme() || "").toLowerCase();
  var host = String(uri.getHost() || "").toLowerCase().replace(/^\[|\]$/g, "");
  if (host.indexOf(":") >= 0) host = "[" + host + "]";
  var port = uri.getPort();
  if (port < 0) port = scheme == "https" ? 443 : 80;
  return scheme + "://" + host + ":" + port;
}
