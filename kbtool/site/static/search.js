/* kbtool site search: typed words against the sharded inverted index in search/, read
 * (query.js) and ranked as `kbtool search` does, and a pasted error against the symptoms'
 * signatures, normalised as `kbtool match` does (errortext.js). No framework, no inline code; results are built with DOM calls and
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
  function looksLikeError(text) {
    // A JSON log record on one line too: its error is in a field (kbtool search does the same).
    return /\n/.test(text.trim()) || /^\{[\s\S]*\}$/.test(text.trim()) ||
      /Traceback \(most recent call last\)/.test(text) ||
      /^\s*(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b/m.test(text);
  }

  /* Words, ranked as kbtool search ranks them (kbtool/search/fulltext.py's search): the
   * entries with every word (each word's group: the word and its other spellings), by the
   * sum of their scores; when none has them all, the query with its unknown words spelled
   * as the entries' words ("did you mean"), then the entries with most of the words (their
   * looser forms too, at half weight), by words matched times score. A long query that few
   * entries have whole is followed by those with most of its words. While typing, a last
   * word that is no term yet is the start of one. */
  var FEW = 3, LONG_QUERY = 3, LOOSER_WEIGHT = 0.5, PREFIXES = 16;

  async function terms(clauses) {  // stem → postings, for every stem of the clauses
    var keys = new Set();
    clauses.forEach(function (c) {
      c.stems.forEach(function (s, k) { keys.add(shardKey(s)); if (k) keys.add(shardKey(c.stems[k - 1] + " " + s)); });
    });
    var list = Array.from(keys), loaded = await Promise.all(list.map(function (k) { return fetchShard("t", k); }));
    var shards = new Map();
    list.forEach(function (k, i) { shards.set(k, loaded[i] || {}); });
    return shards;
  }
  function postingsOf(shards, stem) {
    var shard = shards.get(shardKey(stem)) || {};
    return Object.prototype.hasOwnProperty.call(shard, stem) ? shard[stem] : null;
  }
  function asMap(p) {
    var m = new Map();
    for (var i = 0; i < p.length; i += 2) m.set(p[i], p[i + 1]);
    return m;
  }
  /* doc → score of one clause: a word's postings; a phrase's, scored by the mean of its
   * parts; a prefix, the best of the terms it starts. */
  function clauseScores(c, shards) {
    if (!c.stems.length) return new Map();
    if (c.prefix) {
      var word = c.stems[c.stems.length - 1], shard = shards.get(shardKey(word)) || {};
      var more = Object.keys(shard).filter(function (t) { return t.indexOf(" ") < 0 && t.startsWith(word); });
      more.sort(function (a, b) { return shard[b].length - shard[a].length || (a < b ? -1 : 1); });
      more = more.slice(0, PREFIXES);
      (c.also || []).forEach(function (t) {
        if (more.indexOf(t) < 0 && Object.prototype.hasOwnProperty.call(shard, t)) more.push(t);
      });
      var best = new Map();
      more.forEach(function (t) {
        var p = shard[t];
        for (var i = 0; i < p.length; i += 2) best.set(p[i], Math.max(best.get(p[i]) || 0, p[i + 1]));
      });
      if (c.stems.length === 1) return best;
      var rest = clauseScores({ stems: c.stems.slice(0, -1), prefix: false }, shards), both = new Map();
      rest.forEach(function (s, doc) {
        if (best.has(doc)) both.set(doc, (s * (c.stems.length - 1) + best.get(doc)) / c.stems.length);
      });
      return both;
    }
    // A phrase: its neighbours as the index's pairs (those written joined somewhere, as
    // code: engine.execute). A phrase a person quoted whose pairs are not all there (only
    // prose has them) is its words anywhere in the entry; one of code must be there.
    var pairs = c.stems.slice(1).map(function (s, k) { return postingsOf(shards, c.stems[k] + " " + s); });
    var lists = pairs.length && (c.code || pairs.every(Boolean)) ? pairs
      : c.stems.map(function (s) { return postingsOf(shards, s); });
    if (lists.some(function (p) { return !p; })) return new Map();
    var out = asMap(lists[0]);
    for (var k = 1; k < lists.length; k++) {
      var next = asMap(lists[k]), kept = new Map();
      out.forEach(function (s, doc) { if (next.has(doc)) kept.set(doc, s + next.get(doc)); });
      out = kept;
    }
    out.forEach(function (s, doc) { out.set(doc, s / lists.length); });
    return out;
  }
  function groupScores(group, shards) {  // an OR-group: the sum of its clauses' scores
    var out = new Map();
    group.forEach(function (c) {
      clauseScores(c, shards).forEach(function (s, doc) { out.set(doc, (out.get(doc) || 0) + s); });
    });
    return out;
  }
  function ranked(q, shards, anyWord) {  // [{doc, rank}], best first
    var hits = new Map(), out = [];
    q.groups.forEach(function (group, n) {
      var forms = [[group, 1]];
      if (anyWord && q.looser[n] && q.looser[n].length) forms.push([q.looser[n], LOOSER_WEIGHT]);
      forms.forEach(function (form) {
        groupScores(form[0], shards).forEach(function (s, doc) {
          var h = hits.get(doc) || { doc: doc, groups: new Set(), score: 0 };
          h.groups.add(n); h.score += form[1] * s; hits.set(doc, h);
        });
      });
    });
    var excluded = new Set();
    q.excluded.forEach(function (c) { clauseScores(c, shards).forEach(function (s, doc) { excluded.add(doc); }); });
    hits.forEach(function (h) {
      if (excluded.has(h.doc) || (!anyWord && h.groups.size < q.groups.length)) return;
      out.push({ doc: h.doc, rank: h.groups.size * h.score, why: "" });
    });
    return out.sort(function (a, b) { return b.rank - a.rank || a.doc - b.doc; });
  }
  function everyClause(q) {
    var all = q.excluded.slice();
    q.groups.forEach(function (g) { all.push.apply(all, g); });
    q.looser.forEach(function (g) { all.push.apply(all, g); });
    return all;
  }
  /* The query with each word no entry's short fields hold replaced by the closest that one
   * does (kbtool search's suggest), or null. */
  async function corrected(text, q) {
    var Q = self.KbQuery, fixes = [];
    var keys = Array.from(new Set(q.words.map(shardKey)));
    var loaded = await Promise.all(keys.map(function (k) { return fetchSpelled(k); }));
    var vocab = new Map();
    keys.forEach(function (k, i) { vocab.set(k, loaded[i] || {}); });
    var unknown = q.words.filter(function (w) { return !Object.prototype.hasOwnProperty.call(vocab.get(shardKey(w)), w); });
    for (var i = 0; i < unknown.length; i++) {
      var w = unknown[i], elsewhere = [], edits = w.length >= 3 && w.length <= 40 ? Q.editsElsewhere(w) : [];
      var others = Array.from(new Set(edits.map(shardKey))).filter(function (k) { return meta.spelledSet.has(k); });
      var tables = await Promise.all(others.map(fetchSpelled));
      var byKey = new Map();
      others.forEach(function (k, n) { byKey.set(k, tables[n] || {}); });
      edits.forEach(function (e) {
        var t = byKey.get(shardKey(e));
        if (t && Object.prototype.hasOwnProperty.call(t, e)) elsewhere.push([e, t[e]]);
      });
      var close = Q.closeWords(w, vocab.get(shardKey(w)), 1, elsewhere);
      if (close.length) fixes.push([w, close[0]]);
    }
    if (!fixes.length) return null;
    var out = text;
    fixes.forEach(function (f) {
      var at = -1, lower = out.toLowerCase();
      while ((at = lower.indexOf(f[0], at + 1)) >= 0) {
        var before = at ? lower[at - 1] : " ", after = lower[at + f[0].length] || " ";
        if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) {
          out = out.slice(0, at) + f[1] + out.slice(at + f[0].length);
          break;
        }
      }
    });
    return out === text ? null : out;
  }
  function fetchSpelled(key) {
    return meta.spelledSet.has(key) ? fetchJson("search/v/" + key + ".js") : Promise.resolve(null);
  }

  /* Entries whose id the query is, or (with a dash) starts (fulltext._by_id). */
  async function byId(text) {
    var id = text.trim().toLowerCase();
    if (!id || /\s/.test(id) || id.length > 200 || !meta.idSet.has(shardKey(id))) return [];
    var table = (await fetchJson("search/i/" + shardKey(id) + ".js")) || {};
    if (Object.prototype.hasOwnProperty.call(table, id)) return [table[id]];
    if (id.length < 3 || id.replace(/^-+|-+$/g, "").indexOf("-") < 0) return [];
    return Object.keys(table).filter(function (k) { return k.startsWith(id); }).sort().slice(0, LIMIT)
      .map(function (k) { return table[k]; });
  }
  /* Entries with a symptom that is the query, as an error message (the signatures' index),
   * or a title that holds it (among the best found): the query as written (fulltext's
   * _as_written looks for it in titles and symptoms). */
  async function asWritten(q, text, words) {
    if (!q.whole) return [];
    var E = self.KbErrorText, s = E.signatures(text), out = [];
    var sig = s[0], msg = s[1], quoted = E.quotedValues(text).slice().sort().join(" ");
    var found = await Promise.all([fetchShard("s", hex2(fnv1a(sig) % meta.sig_shards)),
      fetchShard("m", hex2(fnv1a(msg) % meta.sig_shards))]);
    [[found[0], sig], [found[1], msg]].forEach(function (pair) {
      var rows = pair[0] && Object.prototype.hasOwnProperty.call(pair[0], pair[1]) ? pair[0][pair[1]] : [];
      rows.forEach(function (row) {  // the same names in quotes too: the same message
        if (row[2] === quoted && out.indexOf(row[0]) < 0) out.push(row[0]);
      });
    });
    var shown = await docs(words.slice(0, LIMIT));
    var phrase = " " + q.whole + " ";
    shown.forEach(function (item) {
      var title = " " + self.KbQuery.tokens(item.row[1]).join(" ") + " ";
      if (title.indexOf(phrase) >= 0 && out.indexOf(item.hit.doc) < 0) out.push(item.hit.doc);
    });
    return out;
  }

  async function wordSearch(text, typing, pasted) {
    var Q = self.KbQuery, q = Q.convert(text, meta);
    if (!q.groups.length) return [];
    var shards = await terms(everyClause(q));
    if (typing) {  // the last word typed so far: the start of a term when it is none yet
      var last = q.groups[q.groups.length - 1], first = last[0];
      if (last.length && !first.prefix && first.stems.length === 1 && !postingsOf(shards, first.stems[0])) {
        // The terms it starts, and the stems of the words written that it starts
        // ("migrati": migration's stem is migrat).
        var spelled = (await fetchSpelled(shardKey(first.text))) || {};
        var written = Object.keys(spelled).filter(function (w) { return w.startsWith(first.text); });
        written.sort(function (a, b) { return spelled[b] - spelled[a] || (a < b ? -1 : 1); });
        last[0] = { stems: [first.text], prefix: true, text: first.text, also: written.slice(0, PREFIXES).map(Q.stem) };
      }
    }
    var words = ranked(q, shards, false), used = q;
    if (!words.length) {
      var fixed = pasted ? null : await corrected(text, q);
      if (fixed) {
        var q2 = Q.convert(fixed, meta), shards2 = await terms(everyClause(q2));
        var found = ranked(q2, shards2, false);
        if (found.length) { words = found; used = q2; shards = shards2; }
      }
      if (!words.length && (used.groups.length > 1 || used.looser.some(function (g) { return g.length; }))) {
        words = ranked(used, shards, true);
      }
    } else if (words.length < FEW && q.groups.length >= LONG_QUERY) {
      var have = new Set(words.map(function (h) { return h.doc; }));
      ranked(q, shards, true).forEach(function (h) { if (!have.has(h.doc)) words.push(h); });
    }
    var first = pasted ? [] : await byId(text);
    if (words.length) (await asWritten(q, text, words)).forEach(function (doc) { if (first.indexOf(doc) < 0) first.push(doc); });
    if (!first.length) return words;
    var top = words.length ? words[0].rank : 1;
    return first.map(function (doc, k) { return { doc: doc, rank: top * 2 + first.length - k, why: "" }; })
      .concat(words.filter(function (h) { return first.indexOf(h.doc) < 0; }));
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
    function consider(doc, score, why, order) {
      var cur = best.get(doc);
      if (!cur || score > cur.rank) best.set(doc, { doc: doc, rank: score, why: why, order: order });
    }
    probes.forEach(function (p, order) {
      var bonus = (probes.length - order) * 1e-4;  // the last error of a log (listed first) wins ties
      var sigRows = (loaded.get("search/s/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js") || {})[p.sig] || [];
      sigRows.forEach(function (row) {
        var words = row[1] ? row[1].split(" ") : [], quoted = row[2] ? row[2].split(" ") : [];
        if (!sameNames(quoted, p.quoted)) return;
        consider(row[0], 2 + dice(words, p.words) + bonus, "same error: " + p.line, order);
      });
      [[p.msg, "search/m/" + hex2(fnv1a(p.msg) % meta.sig_shards) + ".js"],
       [p.sig, "search/m/" + hex2(fnv1a(p.sig) % meta.sig_shards) + ".js"]].forEach(function (pair) {
        var rows = (loaded.get(pair[1]) || {})[pair[0]] || [];
        if (pair[0].split(" ").filter(function (w) { return /\p{L}/u.test(w) && w.indexOf("<") < 0; }).length < 2) return;
        rows.forEach(function (row) {
          var words = row[1] ? row[1].split(" ") : [];
          consider(row[0], 1 + dice(words, p.words) + bonus, "same message: " + p.line, order);
        });
      });
    });
    // When no symptom has the most telling error's signature, the entries with every word
    // of that error come first (kbtool search's "first"): a symptom matching a lesser line
    // of the log (the exception it was raised from) is likelier another entry's.
    var telling = probes.length && !Array.from(best.values()).some(function (h) { return h.order === 0; });
    if (telling) {
      var q = self.KbQuery.convert(probes[0].words.join(" "), meta);
      var first = q.groups.length > 1 ? ranked(q, await terms(everyClause(q)), false) : [];
      var most = first.length ? first[0].rank : 1;
      first.slice(0, 50).forEach(function (h) { consider(h.doc, 3 + 0.99 * h.rank / most, "the error's words", 0); });
    }
    // The words' full-text lookup (many shards) only when no symptom has the error's
    // signature: exact hits outrank anything it could add.
    var exact = Array.from(best.values()).some(function (h) { return h.rank >= 2; });
    var byWords = exact ? [] : await wordSearch(wordText || text, false, true);
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
      if (m) {
        m.stopSet = new Set(m.stop); m.shardSet = new Set(m.shards); m.sigSet = new Set(m.sigs);
        m.spelledSet = new Set(m.spelled); m.idSet = new Set(m.ids);
      }
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
    if (!box || !input || !list || !self.KbErrorText || !self.KbQuery) return;
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
