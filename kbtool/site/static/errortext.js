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
    // timestamps, with a zone (gunicorn's "[2026-12-07 10:11:12 +0000] [7] ") and a pid
    re("^" + S + "*\\[?" + D + "{4}-" + D + D + "-" + D + D + "[T ][\\p{Nd}:.,]+(?:Z|" + S + "?[+\\-]" + D + D + ":?" + D + D + ")?\\]?(?:" + S + "*\\[" + D + "+\\])?" + S + "*"),
    re("^-?" + S + "*[\\p{L}\\p{N}_.]+" + S + "+-" + S + "+(?=(?:CRITICAL|ERROR|FATAL|WARNING|INFO|DEBUG)" + S + "+-)"),
    // loguru's default format, after its timestamp: "| ERROR    | app.db:connect:42 - "
    re("^\\|" + S + "*(?:TRACE|DEBUG|INFO|SUCCESS|WARNING|ERROR|CRITICAL)" + S + "*\\|" + S + "*" + NS + "+:" + NS + "+:" + D + "+" + S + "+-" + S + "+"),
    // a level: upper-case, or a tool's "error:"/"warning:" (pip, setuptools), alembic's
    // "FAILED:"; then the logger's name: "ERROR:asyncio:", "ERROR asyncio: " (a lower-case
    // dotted name: "ERROR sqlalchemy.exc.X: ..." is an exception and keeps its class)
    re("^" + S + "*\\[?(?:CRITICAL|ERROR|FATAL|WARNING|WARN|INFO|DEBUG|FAILED(?=:)|error(?=:)|warning(?=:))\\]?" +
      "(?::[\\p{L}\\p{N}_.]*:|" + S + "+[a-z_][a-z0-9_.]*:(?=" + S + ")|" + S + "*[:|\\-])?" + S + "*")
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

  /* strip_escapes: text without terminal escapes (colours, hyperlinks, Buildkite's timestamps). */
  function stripEscapes(text) { return text.replace(ANSI, ""); }
  /* clean_line: one log line without terminal escapes and the prefixes loggers and pytest put on it. */
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
  /* exception_repr: the exception line ("Name: message") of the exception repr a line ends
   * with (celery's "raised unexpected: MissingGreenlet('...')"), or null. */
  var REPR = re("((?:[A-Za-z_]" + W + "*\\.)*[A-Z]" + W + "*)\\((['\"])([^\\n]+)\\2,?\\)" + S + "*$");
  var REPR_ESCAPE = /\\([^\n])/gu;
  function exceptionRepr(text) {
    if (text[text.length - 1] !== ")") return null;
    var m = REPR.exec(text);
    if (!m || !exceptionLike(m[1])) return null;
    var message = m[3].replace(REPR_ESCAPE, function (all, c) { return c === "n" || c === "t" ? " " : c; });
    return m[1] + ": " + trim(message).split(SPACE).join(" ");
  }
  /* A log as its program wrote it (kbtool/search/logframe.py): the frames a collector put
   * on each line taken off (CI timestamps, Kubernetes' CRI with its partial lines joined,
   * GitLab's timestamps with its continued lines, journald, Jenkins, kubectl --prefix,
   * docker compose, Fly.io, Cloud Build; a frame inside another too), JSON log records
   * unpacked into their level and message, then their exception's lines; escaped newlines
   * in a key=value record or a line of pretty JSON unpacked; XML-escaped text unescaped. */
  var DOT = "[^\\n]";  // Python's "." (any character but a newline)
  var ISO = D + "{4}-" + D + D + "-" + D + D + "T" + D + D + ":" + D + D + ":" + D + D + "(?:[.,]" + D + "+)?(?:Z|[+\\-]" + D + D + ":?" + D + D + ")";
  var STAMP = re("^\ufeff?" + ISO + "[ \t](?:(?:stdout|stderr)[ \t]([FP])(?:[ \t]|$))?");
  var WD = "[\\p{L}\\p{N}_.\\-]";
  var FRAMES = [
    // Jenkins' timestamper, bracketed: "[2026-12-07T10:11:12.345Z] ", "[10:11:12] "
    re("^\\[(?:" + ISO + "|" + D + "{4}-" + D + D + "-" + D + D + "[T ][\\p{Nd}:.,]+|" + D + D + ":" + D + D + ":" + D + D + "(?:[.,]" + D + "+)?)\\] "),
    // syslog / journald: "Dec  7 10:11:12 host app[4242]: "
    re("^[A-Z][a-z]{2} [ \\p{Nd}]?" + D + " " + D + D + ":" + D + D + ":" + D + D + "(?:\\." + D + "+)? " + WD + "+ [\\p{L}\\p{N}_./@:\\-]+?(?:\\[" + D + "+\\])?: "),
    // kubectl logs --prefix: "[pod/api-7d9/api] "
    re("^\\[pod/[^\\]" + SP + "]+\\] "),
    // docker compose: "api-1  | ", "api_1  | "
    re("^" + WD + "+ +\\|(?: |$)"),
    // docker build (BuildKit): "#12 0.523 ", "#12 "
    re("^#" + D + "+ (?:" + D + "+\\." + D + "+ )?"),
    // Google Cloud Build: 'Step #1 - "migrate": '
    re("^Step #" + D + "+(?: - \"[^\"\\n]*\")?: ")
  ];
  /* _AFTER_STAMP: frames that follow an ISO timestamp only: journald's "host app[4242]: ",
   * a platform's "app[web.1]: ", Fly.io's machine and region. */
  var AFTER_STAMP = [
    re("^" + WD + "+ [\\p{L}\\p{N}_./@:\\-]+\\[" + D + "+\\]: "),
    re("^" + WD + "+\\[" + WD + "+\\]: "),
    // Fly.io: "app[148e272a6d1e89] ams [info]", the program's text right after it
    re("^" + WD + "+\\[[0-9a-f]+\\] [a-z]{3,4} \\[[a-z]+\\]")
  ];
  /* _GITLAB: after GitLab's timestamp, the stream's number and type, then "+" when the line
   * goes on the previous one. */
  var GITLAB = /^[0-9a-f]{2}[OE](\+?) /u;
  var MARKER = /^##\[(error|warning|notice|debug|group|endgroup|command|section)\]/iu;
  var COMMAND = /^::(error|warning|notice|debug)(?: [^:]*)?::/iu;
  /* _ANY: whether a line may start with a frame or a marker (one cheap test a line). */
  var ANY = re("^(?:\ufeff?" + D + "{4}-" + D + D + "-" + D + D + "T|\\[|[A-Z][a-z]{2} [ \\p{Nd}]?" + D + " " + D +
    "|" + WD + "+ +\\||##\\[|::" + W + "|#" + D + "|\\x1b|Step #)");
  var MAX_RECORD_CHARS = 256 * 1024, MAX_JOINED = 64, MAX_LAYERS = 3;
  /* JSON record fields, in the order they are looked for, lower-case (keys are compared
   * lower-cased); dotted: a nested object's field, or the flat key written with a dot. */
  var LEVEL_KEYS = ["level", "levelname", "severity", "log.level", "lvl", "loglevel", "status"];
  var MESSAGE_KEYS = ["message", "msg", "event", "@message", "log", "text", "textpayload", "error.message"];
  var TRACE_KEYS = ["exc_info", "exception", "exc_text", "stack_trace", "stacktrace", "traceback",
    "stack", "error.stack_trace", "error.stack", "exception.stacktrace", "error", "err"];
  /* _EXCEPTION_KEYS: fields that name an exception's type, each with the field of its message. */
  var EXCEPTION_KEYS = [["errortype", "errormessage"], ["error.kind", "error.message"],
    ["error.type", "error.message"], ["exception.type", "exception.message"]];
  var ERROR_LEVELS = new Set(["error", "err", "critical", "crit", "fatal", "alert", "emerg", "panic"]);
  var WARNING_LEVELS = new Set(["warning", "warn"]);
  var MAX_NESTED = 32, MAX_DEPTH = 3;
  var KV_QUOTED = re("(?:^|" + S + ")[\\p{L}\\p{N}_.@\\-]+=(\"(?:[^\"\\\\]|\\\\" + DOT + ")*\"|'(?:[^'\\\\]|\\\\" + DOT + ")*')", "g");
  var JSON_STRING = re("^" + S + "*(?:\"(?:[^\"\\\\]|\\\\" + DOT + ")*\"" + S + "*:" + S + "*)?(\"(?:[^\"\\\\]|\\\\" + DOT + ")*\")" + S + "*,?" + S + "*$");
  var ENTITY = re("&(?:quot|lt|gt|amp|apos|#" + D + "{1,7}|#[xX][0-9a-fA-F]{1,6});");
  var ESCAPE = re("\\\\(" + DOT + ")", "g");
  var ESCAPED = { n: "\n", t: "\t", r: "" };
  /* _CHECKER: a type checker's error line (mypy's "path:12: error: ...  [code]", pyright's
   * "path:12:5 - error: ... (reportX)"); _NO_ATTRIBUTE: its words for an attribute the type
   * lacks, read as the AttributeError Python would raise. */
  var CHECKER = re("^" + S + "*(?:[A-Za-z]:)?[^" + SP + ":]+:" + D + "+(?::" + D + "+)?:? (?:- )?error: (" + DOT + "+?)" +
    "(?:" + S + "+\\[[\\p{L}\\p{N}_\\-]+\\]|" + S + "+\\(report" + W + "+\\))?" + S + "*$");
  var NO_ATTRIBUTE = [
    /^Item "(?<type>[^"]+)" of "[^"]*" has no attribute "(?<attr>[^"]+)"$/u,
    /^"(?<type>[^"]+)" has no attribute "(?<attr>[^"]+)"$/u,
    /^Cannot access (?:attribute|member) "(?<attr>[^"]+)" for (?:class|type) "(?<type>[^"]+)"$/u,
    /^"(?<attr>[^"]+)" is not a known (?:attribute|member) of "(?<type>None)"$/u
  ];
  /* Sentry's event JSON, pretty-printed: an exception's "type" line, then its "value" line. */
  var EVENT_TYPE = re("^" + S + "*\"type\"" + S + "*:" + S + "*\"((?:[A-Za-z_]" + W + "*\\.)*[A-Z]" + W + "*)\"" + S + "*,?" + S + "*$");
  var EVENT_VALUE = re("^" + S + "*\"value\"" + S + "*:" + S + "*(\"(?:[^\"\\\\]|\\\\" + DOT + ")*\")" + S + "*,?" + S + "*$");
  var MAX_EVENT_GAP = 3;
  var LINE_BREAK = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/u;
  function splitLines(s) {  // str.splitlines()
    var out = s.split(LINE_BREAK);
    if (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }
  /* json.loads: JSON.parse, and Python's NaN, Infinity and -Infinity as values too (a
   * logger's json.dumps writes them); as null, since a number is never a record's text. */
  var NON_FINITE = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/gu;
  function parseJson(text) {
    try { return JSON.parse(text); } catch (e) {
      if (!/NaN|Infinity/.test(text)) throw e;
      return JSON.parse(text.replace(NON_FINITE, function (all, word) { return word ? "null" : all; }));
    }
  }
  function own(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  /* html.unescape, as Python's html module reads character references: numeric ones with
   * its rules for invalid code points; named ones from HTML5's legacy names (Latin-1's, which
   * may go without ";", each a name's prefix) and a few common others. Python knows all 2231
   * of HTML5's names: a rarer one (&hearts;) stays as written here. */
  var CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;
  var NAMED = {};
  ("Aacute:193 aacute:225 Acirc:194 acirc:226 acute:180 AElig:198 aelig:230 Agrave:192 agrave:224 AMP:38 " +
    "amp:38 Aring:197 aring:229 Atilde:195 atilde:227 Auml:196 auml:228 brvbar:166 Ccedil:199 ccedil:231 " +
    "cedil:184 cent:162 COPY:169 copy:169 curren:164 deg:176 divide:247 Eacute:201 eacute:233 Ecirc:202 " +
    "ecirc:234 Egrave:200 egrave:232 ETH:208 eth:240 Euml:203 euml:235 frac12:189 frac14:188 frac34:190 " +
    "GT:62 gt:62 Iacute:205 iacute:237 Icirc:206 icirc:238 iexcl:161 Igrave:204 igrave:236 iquest:191 " +
    "Iuml:207 iuml:239 laquo:171 LT:60 lt:60 macr:175 micro:181 middot:183 nbsp:160 not:172 Ntilde:209 " +
    "ntilde:241 Oacute:211 oacute:243 Ocirc:212 ocirc:244 Ograve:210 ograve:242 ordf:170 ordm:186 " +
    "Oslash:216 oslash:248 Otilde:213 otilde:245 Ouml:214 ouml:246 para:182 plusmn:177 pound:163 QUOT:34 " +
    "quot:34 raquo:187 REG:174 reg:174 sect:167 shy:173 sup1:185 sup2:178 sup3:179 szlig:223 THORN:222 " +
    "thorn:254 times:215 Uacute:218 uacute:250 Ucirc:219 ucirc:251 Ugrave:217 ugrave:249 uml:168 Uuml:220 " +
    "uuml:252 Yacute:221 yacute:253 yen:165 yuml:255").split(" ").forEach(function (pair) {
    var kv = pair.split(":");
    NAMED[kv[0]] = NAMED[kv[0] + ";"] = String.fromCharCode(+kv[1]);
  });
  ("apos:39 hellip:8230 mdash:8212 ndash:8211 lsquo:8216 rsquo:8217 ldquo:8220 rdquo:8221 sbquo:8218 " +
    "bdquo:8222 bull:8226 trade:8482 euro:8364 larr:8592 rarr:8594 uarr:8593 darr:8595 harr:8596 ne:8800 " +
    "le:8804 ge:8805 minus:8722 infin:8734 check:10003 cross:10007").split(" ").forEach(function (pair) {
    var kv = pair.split(":");
    NAMED[kv[0] + ";"] = String.fromCharCode(+kv[1]);  // only with its ";"
  });
  var CP1252 = "\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f" +
    "\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178";
  function invalidCodePoint(n) {
    return (n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) ||
      (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe;
  }
  function htmlUnescape(s) {
    if (s.indexOf("&") < 0) return s;
    return s.replace(CHARREF, function (all, ref) {
      if (ref[0] === "#") {
        var hex = ref[1] === "x" || ref[1] === "X";
        var n = parseInt(ref.slice(hex ? 2 : 1).replace(/;$/, ""), hex ? 16 : 10);
        if (n === 0) return "\ufffd";
        if (n === 0x0d) return "\r";
        if (n >= 0x80 && n <= 0x9f) return CP1252[n - 0x80];
        if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return "\ufffd";
        if (invalidCodePoint(n)) return "";
        return String.fromCodePoint(n);
      }
      if (own(NAMED, ref)) return NAMED[ref];
      for (var x = ref.length - 1; x > 1; x--) {  // the longest name it starts with
        if (own(NAMED, ref.slice(0, x))) return NAMED[ref.slice(0, x)] + ref.slice(x);
      }
      return "&" + ref;
    });
  }

  /* unframe: the lines without their frames, JSON records and escaped multi-line values
   * unpacked, XML-escaped lines unescaped (Python also gives each one's input line). */
  function unframe(lines) {
    var out = [], partial = [], eventType = "", typedAt = -MAX_EVENT_GAP - 1;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i], text;
      if (!partial.length && line.indexOf('"') >= 0 && (line.indexOf('"type"') >= 0 || line.indexOf('"value"') >= 0)) {
        var bare = ANY.test(line) ? stripFrames(line)[0] : line, typed = EVENT_TYPE.exec(bare);
        if (typed) { eventType = typed[1]; typedAt = i; }
        else if (eventType && i - typedAt <= MAX_EVENT_GAP) {
          var ev = eventValue(eventType, bare);
          if (ev.length) { eventType = ""; out = out.concat(ev); continue; }
        }
      }
      if (partial.length || ANY.test(line)) {  // no frame starts with a brace: JSON goes below
        var r = stripFrames(line), joined = r[1];
        text = r[0];
        if (joined === "prev" && out.length && !partial.length) {  // GitLab: it goes on the last line
          out[out.length - 1] += text;
          continue;
        }
        if (joined === "next") {  // the rest of the line is on the next one
          partial.push(text);
          if (partial.length < MAX_JOINED) continue;
          text = "";
        }
        if (partial.length) { text = partial.join("") + text; partial = []; }
      } else if (line[0] === "{" || line.indexOf("\\n") >= 0) {  // a JSON record, an escaped value
        text = line;
      } else {
        if (line.indexOf("&") >= 0 && ENTITY.test(line)) {  // XML-escaped text (JUnit reports)
          var pieces = splitLines(htmlUnescape(line));
          out = out.concat(pieces.length ? pieces : [""]);  // "&#10;": a newline
          continue;
        }
        if (line.indexOf(" error: ") >= 0) line = asRaised(line);  // a type checker's line
        out.push(line);  // most lines: nothing to take off or unpack
        continue;
      }
      var got = unpacked(text);
      if (got.length === 1 && got[0].indexOf(" error: ") >= 0) got = [asRaised(got[0])];
      out = out.concat(got);
    }
    if (partial.length) out.push(partial.join(""));
    return out;
  }
  /* _as_raised: a type checker's line about an attribute the type lacks as the
   * AttributeError Python raises for it; any other line as it is. */
  function asRaised(line) {
    var checked = CHECKER.exec(line);
    if (checked) {
      for (var k = 0; k < NO_ATTRIBUTE.length; k++) {
        var found = NO_ATTRIBUTE[k].exec(checked[1]);
        if (found) {
          var kind = found.groups.type === "None" ? "NoneType" : found.groups.type;
          return "AttributeError: '" + kind + "' object has no attribute '" + found.groups.attr + "'";
        }
      }
    }
    return line;
  }
  /* _event_value: the lines of an exception whose type Sentry's event JSON gave on a line
   * before ("Name: value" and the value's further lines); [] when line is not its value. */
  function eventValue(name, line) {
    var found = EVENT_VALUE.exec(line), value;
    if (!found) return [];
    try { value = parseJson(found[1]); } catch (e) { return []; }
    var pieces = splitLines(value);
    if (!pieces.length) pieces = [""];
    pieces[0] = pieces[0] ? name + ": " + pieces[0] : name;
    return pieces;
  }
  /* _strip_frames: the line without the frames at its start, a frame inside another too (at
   * most MAX_LAYERS); and "next" when the next line goes on it (CRI), "prev" when it goes on
   * the previous one (GitLab), else "". */
  function stripFrames(line) {
    if (line[0] === "\x1b") line = stripEscapes(line);  // colours around a frame, APC timestamps
    var joined = "";
    for (var layer = 0; layer < MAX_LAYERS; layer++) {
      var stamp = STAMP.exec(line);
      if (stamp) {
        if (layer === 0) joined = stamp[1] === "P" ? "next" : "";
        line = line.slice(stamp[0].length);
        var gitlab = GITLAB.exec(line);
        if (gitlab) {
          joined = gitlab[1] && layer === 0 ? "prev" : joined;
          line = line.slice(gitlab[0].length);
        }
      }
      var frames = stamp ? AFTER_STAMP.concat(FRAMES) : FRAMES, found = null;
      for (var k = 0; k < frames.length; k++) {
        found = frames[k].exec(line);
        if (found) { line = line.slice(found[0].length); break; }
      }
      if (!(stamp || found)) break;
    }
    var marker = MARKER.exec(line) || COMMAND.exec(line);
    if (marker) {
      var level = marker[1].toLowerCase();
      line = (level === "error" ? "ERROR: " : level === "warning" ? "WARNING: " : "") + line.slice(marker[0].length);
    }
    return [line, joined];
  }
  /* _unpacked: the lines of a JSON log record (its level and message, then its exception's
   * lines), or of a line with escaped newlines in a quoted value; or [text] when neither. */
  function unpacked(text) {
    var stripped = trim(text), escaped = text.indexOf("\\n") >= 0;
    if (stripped[0] !== "{" || stripped[stripped.length - 1] !== "}") return escaped ? unescaped(text) : [text];
    // Python counts code points: a string no longer in UTF-16 units has no more of them.
    if (stripped.length > MAX_RECORD_CHARS && Array.from(stripped).length > MAX_RECORD_CHARS) return [text];
    var record;
    try { record = parseJson(stripped); } catch (e) { return escaped ? unescaped(text) : [text]; }
    if (!isObject(record)) return [text];
    var fields = fieldsOf(record);
    var message = textOf(fields, MESSAGE_KEYS), trace = textOf(fields, TRACE_KEYS, message);
    var exception = exceptionOf(fields), events = exception === null ? eventExceptions(fields) : [];
    if (message === null && trace === null && exception === null && !events.length) return [text];
    var lines = [], level = levelPrefix(fields);
    if (message !== null) {
      var inner = trim(message);
      if (inner[0] === "{" && inner[inner.length - 1] === "}" && inner !== stripped) {
        lines = unpacked(inner);  // docker's json-file around a JSON record
      } else {
        lines = splitLines(message);
        if (!lines.length) lines = [""];
        if (lines[0].indexOf("Traceback (") !== 0) lines[0] = level + lines[0];  // a traceback keeps its shape
      }
    }
    if (trace !== null) lines = lines.concat(splitLines(trace));
    if (exception !== null && lines.indexOf(exception) < 0) lines.push(message !== null ? exception : level + exception);
    for (var k = 0; k < events.length; k++) lines.push(k === 0 && message === null ? level + events[k] : events[k]);
    var out = [];
    for (var i = 0; i < lines.length; i++) out = out.concat(innerLine(lines[i]));
    return out;
  }
  /* _inner: a record's line as the program wrote it: a frame of its own taken off, an
   * escaped value unpacked. */
  function innerLine(line) {
    if (ANY.test(line)) line = stripFrames(line)[0];
    return line.indexOf("\\n") >= 0 ? unescaped(line) : [line];
  }
  /* _unescaped: a line of pretty-printed JSON whose string holds newlines, as that string's
   * lines; a key=value line, as itself without the quoted values that hold newlines, then
   * their lines; or [text]. */
  function unescaped(text) {
    var whole = JSON_STRING.exec(text);
    if (whole) {
      var value;
      try { value = JSON.parse(whole[1]); } catch (e) { return [text]; }
      var pieces = splitLines(value);
      return pieces.length ? pieces : [""];
    }
    var values = [], m;
    KV_QUOTED.lastIndex = 0;
    while ((m = KV_QUOTED.exec(text)) !== null) {
      // The quoted value ends the match: its start is the match's end less its length.
      if (m[1].indexOf("\\n") >= 0) values.push({ start: m.index + m[0].length - m[1].length, value: m[1] });
    }
    if (!values.length) return [text];
    var rest = text;
    for (var k = values.length - 1; k >= 0; k--) {
      var v = values[k];
      rest = rest.slice(0, v.start) + "\"\"" + rest.slice(v.start + v.value.length);
    }
    var lines = [rest];
    values.forEach(function (v) {
      var inner = v.value.slice(1, -1).replace(ESCAPE, function (all, c) { return own(ESCAPED, c) ? ESCAPED[c] : c; });
      lines = lines.concat(splitLines(inner));
    });
    return lines;
  }
  /* _fields: the fields of the record and of the objects nested in it (breadth first, at most
   * MAX_NESTED objects, MAX_DEPTH deep), each by its lower-cased name and, for an object's
   * field, also as "outer.inner"; the shallowest of a name kept. A Map of [depth, value].
   * (JSON.parse puts an object's integer-like keys first; Python keeps the record's order.) */
  function fieldsOf(record) {
    var fields = new Map(), level = [record], seen = 0;
    function setDefault(name, entry) { if (!fields.has(name)) fields.set(name, entry); }
    for (var depth = 0; depth <= MAX_DEPTH; depth++) {
      var deeper = [];
      for (var i = 0; i < level.length; i++) {
        if (seen >= MAX_NESTED) return fields;
        seen++;
        var obj = level[i], keys = Object.keys(obj);
        for (var k = 0; k < keys.length; k++) {
          var name = keys[k].toLowerCase(), value = obj[keys[k]];
          setDefault(name, [depth, value]);
          if (isObject(value)) {
            deeper.push(value);
            var inner = Object.keys(value);
            for (var j = 0; j < inner.length; j++) setDefault(name + "." + inner[j].toLowerCase(), [depth, value[inner[j]]]);
          }
        }
      }
      level = deeper;
    }
    return fields;
  }
  /* _level_prefix: "ERROR: " or "WARNING: " for a record's level, else "". */
  function levelPrefix(fields) {
    var level = textOf(fields, LEVEL_KEYS);
    if (level === null) return "";
    level = trim(level).toLowerCase();
    return ERROR_LEVELS.has(level) ? "ERROR: " : WARNING_LEVELS.has(level) ? "WARNING: " : "";
  }
  /* _text_of: the first of keys that holds text (a string, or a list of strings: a traceback
   * as its lines) other than skip: the shallowest first, then in the order of keys. */
  function textOf(fields, keys, skip) {
    var best = null;  // [depth, order, value]
    for (var order = 0; order < keys.length; order++) {
      var found = fields.get(keys[order]);
      if (found === undefined || (best !== null && (found[0] > best[0] || (found[0] === best[0] && order >= best[1])))) continue;
      var value = found[1];
      if (Array.isArray(value) && value.length && value.every(function (x) { return typeof x === "string"; })) {
        value = value.map(function (x) { return x[x.length - 1] === "\n" ? x : x + "\n"; }).join("");
      }
      if (typeof value === "string" && trim(value) && value !== skip) best = [found[0], order, value];
    }
    return best === null ? null : best[2];
  }
  /* _event_exceptions: the exception lines of a Sentry event's exception.values. */
  function eventExceptions(fields) {
    var found = fields.get("exception.values"), out = [];
    if (found === undefined || !Array.isArray(found[1])) return out;
    found[1].slice(0, MAX_NESTED).forEach(function (value) {
      if (isObject(value) && typeof value.type === "string" && value.type) {
        var first = typeof value.value === "string" ? trim(value.value).split("\n")[0] : "";
        out.push(first ? value.type + ": " + first : value.type);
      }
    });
    return out;
  }
  /* _exception_of: the exception line a record's type and message fields make ("Name: message"). */
  function exceptionOf(fields) {
    for (var i = 0; i < EXCEPTION_KEYS.length; i++) {
      var type = fields.get(EXCEPTION_KEYS[i][0]), message = fields.get(EXCEPTION_KEYS[i][1]);
      if (type === undefined || message === undefined) continue;
      var name = type[1], text = message[1];
      if (typeof name === "string" && typeof text === "string" && trim(name)) {
        var first = trim(text).split("\n")[0];
        return first ? trim(name) + ": " + first : trim(name);
      }
    }
    return null;
  }

  function errorLines(text) {
    var raw = unframe(text.split(/\r\n|\r|\n/).slice(0, 10000)), strong = [], plain = [];
    for (var i = 0; i < raw.length; i++) {
      var visible = head(raw[i], MAX_LINE_CHARS).replace(ANSI, "");
      var stripped = trim(visible);
      // A traceback's start, or a log record that is one ("ERROR:    Traceback (...": find_errors).
      if (!stripped || TB_START.test(stripped) ||
          (stripped.indexOf("Traceback (") >= 0 && TB_START.test(cleanLine(stripped)))) continue;
      var summary = SUMMARY.exec(stripped);
      if (summary) { if (summary[1]) strong.push(summary[1]); continue; }
      var body = cleanLine(visible);
      if (body.length < 3) continue;
      var m = EXC_LINE.exec(body);
      var indented = /^\s/u.test(visible);
      // An exception's repr closing a line is also read as its exception line (match's
      // _probes): "... raised unexpected: MissingGreenlet('...')" reads as an error.
      var shown = exceptionRepr(body);
      if (m && m[2] !== undefined && exceptionLike(m[1]) && (!indented || /^\s*E\s/u.test(visible))) {
        strong.push(body);
        var inner = innerException(body);
        if (inner) strong.push(inner);
      } else if (shown) {
        strong.push(body);
      } else {
        plain.push(body);
      }
      if (shown) strong.push(shown);
    }
    var out = strong.length ? strong.reverse() : plain;
    return Array.from(new Set(out)).slice(0, 32);
  }

  var api = {
    cleanLine: cleanLine, signature: signature, signatures: signatures, words: words,
    quotedValues: quotedValues, errorLines: errorLines, innerException: innerException,
    exceptionRepr: exceptionRepr, stripEscapes: stripEscapes, unframe: unframe
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.KbErrorText = api;
})(typeof self !== "undefined" ? self : this);
