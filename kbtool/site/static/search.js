/* kbtool site search: typed words against the sharded inverted index in search/, and a
 * pasted error against the symptoms' signatures, normalised as `kbtool match` does
 * (errortext.js). No framework, no inline code; results are built with DOM calls and
 * textContent only, so nothing from an entry is ever parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL("../", script ? script.src : document.baseURI);
  var cache = new Map();
  var meta = null;
  var LIMIT = 10;

  var waiting = new Map();  // "t/ab" → the resolve of the promise its script answers

  function fetchShard(folder, key) {  // only shards the index has (no 404s in the console)
    var known = folder === "t" ? meta.shardSet : meta.sigSet, name = folder === "t" ? key : folder + "/" + key;
    return known.has(name) ? fetchJson("search/" + folder + "/" + key + ".js") : Promise.resolve(null);
  }
  /* Each index file is a script that calls kbtoolSearch(name, data): a <script> element
   * loads it from http(s) and from file:// alike, where browsers refuse fetch(). */
  self.kbtoolSearch = function (name, data) {
    var done = waiting.get(name);
    if (done) { waiting.delete(name); done(data); }
  };
  function fetchJson(path) {  // "search/t/ab.js" → its data, or null
    if (!cache.has(path)) {
      cache.set(path, new Promise(function (resolve) {
        var name = path.slice("search/".length, -".js".length), tag = document.createElement("script");
        function failed() { if (waiting.get(name) === resolve) { waiting.delete(name); resolve(null); } tag.remove(); }
        waiting.set(name, resolve);
        tag.src = new URL(path, base).href;
        tag.onload = failed;  // the script has run by now: a no-op unless it did not answer
        tag.onerror = failed;
        document.head.appendChild(tag);
      }));
    }
    return cache.get(path);
  }
  function fnv1a(text) {
    var bytes = new TextEncoder().encode(text), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  function hex2(n) { return ("0" + n.toString(16)).slice(-2); }
  function shardKey(term) {
    var headChars = Array.from(term).slice(0, 2).join("");
    if (/^[a-z0-9]{2}$/.test(headChars)) return headChars;
    return "_" + hex2(fnv1a(headChars) % meta.sig_shards);
  }
  function tokens(text) {
    var out = [], m = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
    for (var i = 0; i < m.length; i++) {
      var w = Array.from(m[i].replace(/^_+|_+$/g, "")).slice(0, meta.max_term).join("");
      if (w.length > 1 && !meta.stopSet.has(w)) out.push(w);
    }
    return out;
  }
  function looksLikeError(text) {
    // A JSON log record on one line too: its error is in a field (kbtool search does the same).
    return /\n/.test(text.trim()) || /^\{[\s\S]*\}$/.test(text.trim()) ||
      /Traceback \(most recent call last\)/.test(text) ||
      /^\s*(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b/m.test(text);
  }

  /* Words: each term's postings (the last word, still being typed, as a prefix: the terms of
   * its shard that start with it). Entries holding more of the words first, then by score. */
  async function wordSearch(text, prefixLast) {
    var words = tokens(text);
    if (!words.length) return [];
    var last = prefixLast ? words[words.length - 1] : null;
    var uniq = Array.from(new Set(words)).slice(0, 12);
    var shards = await Promise.all(uniq.map(function (w) { return fetchShard("t", shardKey(w)); }));
    var hits = new Map();
    uniq.forEach(function (w, k) {
      var shard = shards[k] || {};
      var lists = [];
      if (Object.prototype.hasOwnProperty.call(shard, w)) lists.push(shard[w]);
      if (w === last) {
        var more = Object.keys(shard).filter(function (t) { return t !== w && t.startsWith(w); });
        more.sort(function (a, b) { return shard[b].length - shard[a].length || (a < b ? -1 : 1); });
        more.slice(0, 16).forEach(function (t) { lists.push(shard[t]); });
      }
      var best = new Map();
      lists.forEach(function (p) {
        for (var i = 0; i < p.length; i += 2) best.set(p[i], Math.max(best.get(p[i]) || 0, p[i + 1]));
      });
      best.forEach(function (score, doc) {
        var h = hits.get(doc) || { doc: doc, terms: 0, score: 0 };
        h.terms += 1; h.score += score; hits.set(doc, h);
      });
    });
    return Array.from(hits.values()).sort(function (a, b) {
      return b.terms - a.terms || b.score - a.score || a.doc - b.doc;
    }).map(function (h) { return { doc: h.doc, rank: h.terms * 1e6 + h.score, why: "" }; });
  }

  function dice(a, b) {
    if (!a.length || !b.length) return 0;
    var sb = new Set(b), both = 0, wa = 0, wb = 0;
    a.forEach(function (w) { wa += w.length; if (sb.has(w)) both += w.length; });
    b.forEach(function (w) { wb += w.length; });
    return 2 * both / (wa + wb);
  }
  function sameNames(symptomQuoted, lineQuoted) {
    if (!symptomQuoted.length) return true;
    return symptomQuoted.some(function (a) {
      return lineQuoted.some(function (b) { return a.indexOf(b) >= 0 || b.indexOf(a) >= 0; });
    });
  }

  /* A pasted error: its error lines' signatures looked up among the symptoms (exact: 2 +
   * similarity; the same message under another exception type: 1 + similarity), as
   * kbtool match's first two tiers; the words of the lines as a full-text fallback. */
  async function errorSearch(text) {
    var E = self.KbErrorText, lines = E.errorLines(text);
    var probes = lines.map(function (line) {
      var s = E.signatures(line);
      return { line: line, sig: s[0], msg: s[1], words: E.words(line), quoted: E.quotedValues(line) };
    });
    var files = [];
    probes.forEach(function (p) {
      files.push("search/s/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js");
      if (p.msg !== p.sig) files.push("search/m/" + hex2(fnv1a(p.msg) % meta.sig_shards) + ".js");
      files.push("search/m/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js");
    });
    files = Array.from(new Set(files));
    var wordText = probes.map(function (p) { return p.words.join(" "); }).join(" ");
    var loaded = new Map();
    var shards = await Promise.all(files.map(function (f) {
      var parts = f.split("/");
      return fetchShard(parts[1], parts[2].slice(0, -3));
    }));
    shards.forEach(function (data, k) { loaded.set(files[k], data || {}); });
    var best = new Map();
    function consider(doc, score, why) {
      var cur = best.get(doc);
      if (!cur || score > cur.rank) best.set(doc, { doc: doc, rank: score, why: why });
    }
    probes.forEach(function (p, order) {
      var bonus = (probes.length - order) * 1e-4;  // the last error of a log (listed first) wins ties
      var sigRows = (loaded.get("search/s/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js") || {})[p.sig] || [];
      sigRows.forEach(function (row) {
        var words = row[1] ? row[1].split(" ") : [], quoted = row[2] ? row[2].split(" ") : [];
        if (!sameNames(quoted, p.quoted)) return;
        consider(row[0], 2 + dice(words, p.words) + bonus, "same error: " + p.line);
      });
      [[p.msg, "search/m/" + hex2(fnv1a(p.msg) % meta.sig_shards) + ".js"],
       [p.sig, "search/m/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js"]].forEach(function (pair) {
        var rows = (loaded.get(pair[1]) || {})[pair[0]] || [];
        if (pair[0].split(" ").filter(function (w) { return /\p{L}/u.test(w) && w.indexOf("<") < 0; }).length < 2) return;
        rows.forEach(function (row) {
          var words = row[1] ? row[1].split(" ") : [];
          consider(row[0], 1 + dice(words, p.words) + bonus, "same message: " + p.line);
        });
      });
    });
    // The words' full-text lookup (many shards) only when no symptom has the error's
    // signature: exact hits outrank anything it could add.
    var exact = Array.from(best.values()).some(function (h) { return h.rank >= 2; });
    var byWords = exact ? [] : await wordSearch(wordText || text, false);
    var top = byWords.length ? byWords[0].rank : 1;
    byWords.slice(0, 50).forEach(function (h) { consider(h.doc, 0.99 * h.rank / top, "similar words"); });
    return Array.from(best.values()).sort(function (a, b) { return b.rank - a.rank || a.doc - b.doc; });
  }

  async function docs(hits) {
    var per = meta.per_shard;
    var shards = Array.from(new Set(hits.map(function (h) { return Math.floor(h.doc / per); })));
    var loaded = new Map();
    (await Promise.all(shards.map(function (s) { return fetchJson("search/d/" + s + ".js"); })))
      .forEach(function (rows, k) { loaded.set(shards[k], rows || []); });
    return hits.map(function (h) {
      var row = (loaded.get(Math.floor(h.doc / per)) || [])[h.doc % per];
      return row ? { hit: h, row: row } : null;
    }).filter(Boolean);
  }

  var loading = null;
  function loadMeta() {  // on focus, so the index's table of contents is there when typing starts
    loading = loading || fetchJson("search/meta.js").then(function (m) {
      if (m) { m.stopSet = new Set(m.stop); m.shardSet = new Set(m.shards); m.sigSet = new Set(m.sigs); }
      meta = m;
      return m;
    });
    return loading;
  }

  /* What the page shows for a query: {error, total, shown: [{hit, row}]}, or null when the
   * index cannot be loaded. tests/test_site_relevance.py scores this in Node. */
  async function find(text) {
    if (!(await loadMeta())) return null;
    var error = looksLikeError(text);
    var hits = error ? await errorSearch(text) : await wordSearch(text, !/\s$/.test(text));
    return { error: error, total: hits.length, shown: await docs(hits.slice(0, LIMIT)) };
  }
  self.KbSearch = { find: find };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setup() {
    var box = document.querySelector("search.search");
    var input = document.getElementById("q");
    var list = document.getElementById("results");
    var status = document.getElementById("search-status");
    if (!box || !input || !list || !self.KbErrorText) return;
    box.hidden = false;
    var selected = -1, seq = 0, timer = 0;

    function select(k) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      selected = (k + items.length) % items.length;
      items.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === selected ? "true" : "false");
        if (i === selected) { input.setAttribute("aria-activedescendant", li.id); li.scrollIntoView({ block: "nearest" }); }
      });
    }

    input.addEventListener("focus", loadMeta);

    async function run() {
      var text = input.value, mine = ++seq;
      if (!text.trim()) { list.replaceChildren(); status.textContent = ""; box.dataset.query = text; return; }
      var found = await find(text);
      if (mine !== seq) return;
      if (!found) {
        status.textContent = "The search index could not be loaded (search/ is missing: rebuild with kbtool site).";
        return;
      }
      var error = found.error, shown = found.shown;
      selected = -1;
      input.removeAttribute("aria-activedescendant");
      list.replaceChildren.apply(list, shown.map(function (item, i) {
        var row = item.row, li = el("li");
        li.id = "r-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = el("a", "", row[1]);
        a.href = new URL("e/" + row[0] + ".html", base).href;
        a.tabIndex = -1;
        li.append(a, " ", el("span", "sev" + (/^(critical|high|medium|low)$/.test(row[3]) ? " sev-" + row[3] : ""), row[3]));
        li.append(el("span", "why", row[2] + (row[4] ? " · " + row[4] : "") + (row[5] !== "active" ? " · " + row[5] : "")));
        li.append(el("span", "snippet", item.hit.why || row[6]));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        return li;
      }));
      box.dataset.query = text;  // what the shown results answer (tests wait for it)
      status.textContent = shown.length ? (error ? "Matched as an error: " : "") + found.total + " found" + (found.total > LIMIT ? ", best " + LIMIT + " shown" : "") : "No entry found";
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 30); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); select(selected + 1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); select(selected - 1); }
      else if (ev.key === "Enter" && !ev.shiftKey) {
        var items = list.querySelectorAll("li a");
        var target = items[selected >= 0 ? selected : 0];
        if (target) { ev.preventDefault(); location.href = target.href; }
      } else if (ev.key === "Escape") { input.value = ""; run(); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
