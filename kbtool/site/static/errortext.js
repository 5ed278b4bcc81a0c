/* kbtool's error normalisation (kbtool/search/errortext.py), ported for the browser.
 * clean_line, signature, signatures, words and quoted_values give the same strings as the
 * Python functions: tests/fixtures/errortext_vectors.json holds inputs with Python's answers
 * and tests/test_site_errortext.py runs this file on them. Python's \w, \d, \s and \b are
 * Unicode-aware; they are spelled out below (W, D, S, boundaries) so JS agrees.
 */
(function (root) {
  "use strict";
  var W = "[\\p{L}\\p{N}_]";
  var NW = "[^\\p{L}\\p{N}_]";
  var D = "\\p{Nd}";
  var SP = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var S = "[" + SP + "]";
  var NS = "[^" + SP + "]";
  var B = "(?:(?<=" + W + ")(?!" + W + ")|(?<!" + W + ")(?=" + W + "))";
  function re(src, flags) { return new RegExp(src, "u" + (flags || "")); }

  var MAX_LINE_CHARS = 2000;
  var ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[\]_P^X][^\x07\x1b]{0,512}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/gu;
  var PREFIXES = [
    re("^[\\p{L}\\p{N}_.\\-]+" + S + "+\\|" + S),
    re("^" + S + "*\\[[^\\]\\n]{0,60}: *(?:CRITICAL|ERROR|WARNING|INFO|DEBUG)/[^\\]\\n]*\\]" + S + "*"),
    re("^" + S + "*\\[" + D + D + "/" + W + "{3}/" + D + "{4} [" + "\\p{Nd}:]+\\]" + S + "*"),
    re("^" + S + "*E" + S + "{2,}"),
    re("^" + S + "*FAILED" + S + "+" + NS + "+" + S + "+-" + S + "+"),
    re("^" + S + "*ERROR" + S + "+" + NS + "+::" + NS + "*" + S + "+-" + S + "+"),
    re("^" + S + "*\\[?" + D + "{4}-" + D + D + "-" + D + D + "[T ][\\p{Nd}:.,]+(?:Z|[+\\-]" + D + D + ":?" + D + D + ")?\\]?" + S + "*"),
    re("^-?" + S + "*[\\p{L}\\p{N}_.]+" + S + "+-" + S + "+(?=(?:CRITICAL|ERROR|FATAL|WARNING|INFO|DEBUG)" + S + "+-)"),
    re("^" + S + "*\\[?(?:CRITICAL|ERROR|FATAL|WARNING|WARN|INFO|DEBUG)\\]?(?::[\\p{L}\\p{N}_.]*:|" + S + "*[:|\\-])?" + S + "*")
  ];
  var QUOTED = /'[^'\n]*'|"[^"\n]*"|`[^`\n]*`|\u2018[^\u2019\n]*\u2019|\u201c[^\u201d\n]*\u201d/gu;
  var QUOTES = "'\"`\u2018\u201c";
  var URL_RE = re(B + "[a-zA-Z][a-zA-Z0-9+.\\-]*://" + NS + "+", "g");
  var PATH = re("(?:" + B + "[A-Za-z]:)?(?:[\\\\/][\\p{L}\\p{N}_.@+\\-]+){2,}[\\\\/]?|" + B + "[\\p{L}\\p{N}_.\\-]+(?:/[\\p{L}\\p{N}_.@+\\-]+)+", "g");
  var HEXC = "[0-9a-fA-F]";
  var NUMERIC = re(
    "(?<uuid>" + B + HEXC + "{8}-" + HEXC + "{4}-" + HEXC + "{4}-" + HEXC + "{4}-" + HEXC + "{12}" + B + ")" +
    "|(?<time>" + D + "{4}-" + D + D + "-" + D + D + "(?:[T ]" + D + D + ":" + D + D + "(?::" + D + D + "(?:[.,]" + D + "+)?)?(?:Z|[+\\-]" + D + D + ":?" + D + D + ")?)?" +
    "|" + B + D + D + ":" + D + D + ":" + D + D + "(?:[.,]" + D + "+)?" + B + ")" +
    "|(?<hex>" + B + "0x" + HEXC + "+" + B + "|" + B + "(?=[0-9a-f]*" + D + ")(?=[0-9a-f]*[a-f])[0-9a-f]{8,}" + B + ")" +
    "|(?<n>(?<![\\p{L}\\p{N}_<])[\\-+]?" + D + "+(?:\\." + D + "+)*(?![\\p{L}\\p{N}_>]))",
    "g"
  );
  var SPACE = re(S + "+", "g");
  var PLACEHOLDER = /<(?:url|uuid|time|hex|q|path|n)>/gu;
  var EXC_TYPE = re("^(?:[A-Za-z_]" + W + "*\\.)*([A-Z]" + W + "*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)|Error|Exception)" + B + S + "*(?::|$)");
  var WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
  var STOP = new Set(("a an the is are was were be been to of in on at for by with from as it its this " +
    "that object has have no not none or and but if then than into").split(" "));

  function strip(s, chars) {
    var set = chars === undefined ? null : chars;
    var isStrip = set === null ? function (c) { return re("^" + S + "$").test(c); } : function (c) { return set.indexOf(c) >= 0; };
    var a = Array.from(s), i = 0, j = a.length;
    while (i < j && isStrip(a[i])) i++;
    while (j > i && isStrip(a[j - 1])) j--;
    return a.slice(i, j).join("");
  }
  var WS_EDGE = re("^" + S + "+|" + S + "+$", "g");
  function trim(s) { return s.replace(WS_EDGE, ""); }
  function head(s, n) { return s.length <= n ? s : Array.from(s).slice(0, n).join(""); }

  function cleanLine(line) {
    line = trim(head(line, MAX_LINE_CHARS).replace(ANSI, ""));
    for (var i = 0; i < PREFIXES.length; i++) line = line.replace(PREFIXES[i], "");
    return trim(line);
  }
  function hasAny(s, chars) { for (var i = 0; i < chars.length; i++) if (s.indexOf(chars[i]) >= 0) return true; return false; }
  function replaceVarying(line, quoted) {
    if (quoted !== false && hasAny(line, QUOTES)) line = line.replace(QUOTED, "<q>");
    if (line.indexOf("://") >= 0) line = line.replace(URL_RE, "<url>");
    if (line.indexOf("/") >= 0 || line.indexOf("\\") >= 0) line = line.replace(PATH, "<path>");
    if (/[0-9]/.test(line)) {
      line = line.replace(NUMERIC, function () {
        var groups = arguments[arguments.length - 1];
        for (var k of ["uuid", "time", "hex", "n"]) if (groups[k] !== undefined) return "<" + k + ">";
        return arguments[0];
      });
    }
    return line;
  }
  function lower(s) { return s.toLowerCase(); }
  function signature(text) {
    return lower(strip(replaceVarying(cleanLine(text)).replace(SPACE, " "), " ."));
  }
  function signatures(text) {
    var line = cleanLine(text);
    var sig = lower(strip(replaceVarying(line).replace(SPACE, " "), " ."));
    var at = sig.indexOf(": ");
    if (at >= 0 && EXC_TYPE.test(line)) return [sig, trim(sig.slice(at + 2))];
    return [sig, sig];
  }
  function words(text) {
    var kept = replaceVarying(cleanLine(text), false).replace(PLACEHOLDER, " ");
    var found = new Set();
    var m = kept.match(WORD) || [];
    for (var i = 0; i < m.length; i++) {
      var w = lower(strip(m[i], "_"));
      if (w.length > 1 && !STOP.has(w)) found.add(w);
    }
    return Array.from(found).sort();
  }
  function quotedValues(text) {
    if (!hasAny(text, QUOTES)) return [];
    var found = new Set();
    var m = text.match(QUOTED) || [];
    for (var i = 0; i < m.length; i++) {
      var v = lower(strip(Array.from(m[i]).slice(1, -1).join(""), "_ "));
      if (v) found.add(v);
    }
    return Array.from(found).sort();
  }

  /* The lines of a pasted text that read as errors, most telling first: the exception line
   * that ends each traceback, pytest's E lines and FAILED summaries, "Name: message" lines
   * with an exception-like name; when none, every non-blank line (as match's plain lines). */
  var TB_START = /^(?:\+[-+ ]*)?(?:Exception Group )?Traceback \(most recent call last\):\s*$/u;
  var EXC_LINE = re("^((?:[A-Za-z_]" + W + "*\\.)*[A-Z]" + W + "*)(?::" + S + "+(" + NS + ".*)|:?" + S + "*$)");
  var EXC_NAME = /(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure|Failed)$/u;
  var CAMEL = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$/u;
  var SUMMARY = re("^(?:FAILED|ERROR|XFAIL|XPASS)" + S + "+" + NS + "+(?:" + S + "+-" + S + "+(.*))?$");
  function exceptionLike(name) { return EXC_NAME.test(name) || name.indexOf(".") >= 0 || CAMEL.test(name); }
  function innerException(text) {
    var at = text.indexOf(": ");
    if (at < 0 || text.slice(0, at).indexOf(" ") >= 0) return null;
    var rest = text.slice(at + 2), m = EXC_LINE.exec(rest);
    return m && m[2] !== undefined && exceptionLike(m[1]) ? rest : null;
  }
  /* A log as its program wrote it (kbtool/search/logframe.py): the frame a collector put
   * on each line taken off (CI timestamps, Kubernetes' CRI with its partial lines joined,
   * journald, Jenkins, kubectl --prefix, docker compose), JSON log records unpacked into
   * their level and message, then their exception's lines. */
  var ISO = D + "{4}-" + D + D + "-" + D + D + "T" + D + D + ":" + D + D + ":" + D + D + "(?:[.,]" + D + "+)?(?:Z|[+\\-]" + D + D + ":?" + D + D + ")";
  var STAMP = re("^\ufeff?" + ISO + "[ \t](?:(?:stdout|stderr)[ \t]([FP])(?:[ \t]|$))?");
  var WD = "[\\p{L}\\p{N}_.\\-]";
  var FRAMES = [
    re("^\\[(?:" + ISO + "|" + D + "{4}-" + D + D + "-" + D + D + "[T ][\\p{Nd}:.,]+|" + D + D + ":" + D + D + ":" + D + D + "(?:[.,]" + D + "+)?)\\] "),
    re("^[A-Z][a-z]{2} [ \\p{Nd}]?" + D + " " + D + D + ":" + D + D + ":" + D + D + "(?:\\." + D + "+)? " + WD + "+ [\\p{L}\\p{N}_./@:\\-]+?(?:\\[" + D + "+\\])?: "),
    re("^\\[pod/[^\\]" + SP + "]+\\] "),
    re("^" + WD + "+ +\\|(?: |$)"),
    re("^#" + D + "+ (?:" + D + "+\\." + D + "+ )?")
  ];
  var AFTER_STAMP = [
    re("^" + WD + "+ [\\p{L}\\p{N}_./@:\\-]+\\[" + D + "+\\]: "),
    re("^" + WD + "+\\[" + WD + "+\\]: ")
  ];
  var MARKER = /^##\[(error|warning|notice|debug|group|endgroup|command|section)\]/iu;
  var COMMAND = /^::(error|warning|notice|debug)(?: [^:]*)?::/iu;
  var MAX_RECORD_CHARS = 256 * 1024, MAX_JOINED = 64;
  var LEVEL_KEYS = ["level", "levelname", "severity", "log.level", "lvl", "loglevel", "status"];
  var MESSAGE_KEYS = ["message", "msg", "event", "@message", "log", "text", "error.message"];
  var TRACE_KEYS = ["exc_info", "exception", "exc_text", "stack_trace", "stacktrace", "traceback",
    "stack", "error.stack_trace", "error.stack", "error", "err"];
  var ERROR_LEVELS = new Set(["error", "err", "critical", "crit", "fatal", "alert", "emerg", "panic"]);
  var LINE_BREAK = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/u;
  function splitLines(s) {
    var out = s.split(LINE_BREAK);
    if (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }
  function stripFrames(line) {
    var partial = false, m = STAMP.exec(line);
    if (m) { partial = m[1] === "P"; line = line.slice(m[0].length); }
    var frames = m ? AFTER_STAMP.concat(FRAMES) : FRAMES;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i].exec(line);
      if (f) {
        line = line.slice(f[0].length);
        var s = STAMP.exec(line);
        if (s) line = line.slice(s[0].length);
        break;
      }
    }
    var k = MARKER.exec(line) || COMMAND.exec(line);
    if (k) {
      var level = k[1].toLowerCase();
      line = (level === "error" ? "ERROR: " : level === "warning" ? "WARNING: " : "") + line.slice(k[0].length);
    }
    return [line, partial];
  }
  function field(record, key) {
    if (Object.prototype.hasOwnProperty.call(record, key)) return record[key];
    var at = key.indexOf(".");
    if (at >= 0) {
      var nested = record[key.slice(0, at)];
      if (nested && typeof nested === "object" && !Array.isArray(nested) &&
          Object.prototype.hasOwnProperty.call(nested, key.slice(at + 1))) return nested[key.slice(at + 1)];
    }
    return undefined;
  }
  function textOf(record, keys, skip) {
    for (var i = 0; i < keys.length; i++) {
      var v = field(record, keys[i]);
      if (Array.isArray(v) && v.length && v.every(function (x) { return typeof x === "string"; })) {
        v = v.map(function (x) { return /\n$/.test(x) ? x : x + "\n"; }).join("");
      }
      if (typeof v === "string" && trim(v) && v !== skip) return v;
    }
    return null;
  }
  function unpacked(text) {
    var stripped = trim(text);
    if (stripped[0] !== "{" || stripped[stripped.length - 1] !== "}" || stripped.length > MAX_RECORD_CHARS) return [text];
    var record;
    try { record = JSON.parse(stripped); } catch (e) { return [text]; }
    if (!record || typeof record !== "object" || Array.isArray(record)) return [text];
    var message = textOf(record, MESSAGE_KEYS), trace = textOf(record, TRACE_KEYS, message);
    if (message === null && trace === null) return [text];
    var lines = [];
    if (message !== null) {
      var inner = trim(message);
      if (inner[0] === "{" && inner[inner.length - 1] === "}" && inner !== stripped) lines = unpacked(inner);
      else {
        lines = splitLines(message);
        if (!lines.length) lines = [""];
        var level = textOf(record, LEVEL_KEYS), prefix = "";
        if (level !== null) {
          level = trim(level).toLowerCase();
          prefix = ERROR_LEVELS.has(level) ? "ERROR: " : (level === "warning" || level === "warn") ? "WARNING: " : "";
        }
        lines[0] = prefix + lines[0];
      }
    }
    if (trace !== null) lines = lines.concat(splitLines(trace));
    return lines;
  }
  function unframe(lines) {
    var out = [], partial = [];
    for (var i = 0; i < lines.length; i++) {
      var r = stripFrames(lines[i]), text = r[0];
      if (r[1]) {
        partial.push(text);
        if (partial.length < MAX_JOINED) continue;
        text = "";
      }
      if (partial.length) { text = partial.join("") + text; partial = []; }
      out = out.concat(unpacked(text));
    }
    if (partial.length) out.push(partial.join(""));
    return out;
  }

  function errorLines(text) {
    var raw = unframe(text.split(/\r\n|\r|\n/).slice(0, 10000)), strong = [], plain = [];
    for (var i = 0; i < raw.length; i++) {
      var visible = head(raw[i], MAX_LINE_CHARS).replace(ANSI, "");
      var stripped = trim(visible);
      if (!stripped || TB_START.test(stripped)) continue;
      var summary = SUMMARY.exec(stripped);
      if (summary) { if (summary[1]) strong.push(summary[1]); continue; }
      var body = cleanLine(visible);
      if (body.length < 3) continue;
      var m = EXC_LINE.exec(body);
      var indented = /^\s/u.test(visible);
      if (m && m[2] !== undefined && exceptionLike(m[1]) && (!indented || /^\s*E\s/u.test(visible))) {
        strong.push(body);
        var inner = innerException(body);
        if (inner) strong.push(inner);
      } else {
        plain.push(body);
      }
    }
    var out = strong.length ? strong.reverse() : plain;
    return Array.from(new Set(out)).slice(0, 32);
  }

  var api = {
    cleanLine: cleanLine, signature: signature, signatures: signatures, words: words,
    quotedValues: quotedValues, errorLines: errorLines, innerException: innerException,
    unframe: unframe
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.KbErrorText = api;
})(typeof self !== "undefined" ? self : this);
