/* What a typed query looks for, as `kbtool search` reads it (kbtool/search/query.py):
 * words folded and split as SQLite's unicode61 tokenizer splits them and stemmed as its
 * Porter stemmer stems them (the site index's terms are that tokenizer's: see
 * kbtool/site/searchscore.py), stop words and the words of a complaint left out, each word
 * with its other spellings (kbtool/search/vocabulary.py's tables, which the index's meta
 * carries), and the looser forms of code (db.query, fromAttributes). tests/test_site_query.py
 * holds this file to SQLite's stems and to Python's variants.
 */
(function (root) {
  "use strict";

  /* unicode61 with remove_diacritics 2: runs of letters and digits, lower-cased, marks off. */
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  }
  function tokens(text) {
    return fold(text).match(/[\p{L}\p{N}\p{Co}]+/gu) || [];
  }

  /* The Porter stemmer as SQLite's FTS5 has it (fts5_tokenize.c): words of 3 to 64 bytes;
   * a, e, i, o, u are vowels, and y after a consonant. */
  function isVowel(w, i) {
    var c = w[i];
    if ("aeiou".indexOf(c) >= 0) return true;
    return c === "y" && i > 0 && !isVowel(w, i - 1);
  }
  function measure(w) {  // m of [C](VC){m}[V]
    var n = 0, i = 0, len = w.length;
    while (i < len && !isVowel(w, i)) i++;
    while (i < len) {
      while (i < len && isVowel(w, i)) i++;
      if (i >= len) break;
      while (i < len && !isVowel(w, i)) i++;
      n++;
    }
    return n;
  }
  function hasVowel(w) {
    for (var i = 0; i < w.length; i++) if (isVowel(w, i)) return true;
    return false;
  }
  function doubleC(w) {
    var n = w.length;
    return n > 1 && w[n - 1] === w[n - 2] && !isVowel(w, n - 1);
  }
  function cvc(w) {
    var n = w.length;
    return n > 2 && !isVowel(w, n - 1) && isVowel(w, n - 2) && !isVowel(w, n - 3) && "wxy".indexOf(w[n - 1]) < 0;
  }
  var STEP2 = ["ational", "ate", "tional", "tion", "enci", "ence", "anci", "ance", "izer", "ize",
    "logi", "log", "bli", "ble", "alli", "al", "entli", "ent", "eli", "e", "ousli", "ous",
    "ization", "ize", "ation", "ate", "ator", "ate", "alism", "al", "iveness", "ive",
    "fulness", "ful", "ousness", "ous", "aliti", "al", "iviti", "ive", "biliti", "ble"];
  var STEP3 = ["icate", "ic", "ative", "", "alize", "al", "iciti", "ic", "ical", "ic", "ful", "", "ness", ""];
  var STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
    "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"];

  function endsWith(w, s) { return w.length >= s.length && w.slice(-s.length) === s; }
  function step2(w, rules) {  // the longest matching ending decides (Porter's switch on the penultimate letter)
    var best = -1;
    for (var k = 0; k < rules.length; k += 2) {
      if (w.length > rules[k].length && endsWith(w, rules[k]) && (best < 0 || rules[k].length > rules[best].length)) best = k;
    }
    if (best < 0) return w;
    var stem = w.slice(0, -rules[best].length);
    return measure(stem) > 0 ? stem + rules[best + 1] : w;
  }
  function step4(w) {
    var best = "";
    STEP4.forEach(function (end) { if (w.length > end.length && endsWith(w, end) && end.length > best.length) best = end; });
    if (!best) return w;
    var stem = w.slice(0, -best.length);
    if (best === "ion" && !/[st]$/.test(stem)) return w;
    return measure(stem) > 1 ? stem : w;
  }

  function stem(word) {  // on the UTF-8 bytes, as SQLite: a byte that is not a letter of a-z is a consonant
    var bytes = new TextEncoder().encode(word);
    if (bytes.length < 3 || bytes.length > 64) return word;
    if (bytes.length === word.length) return stemBytes(word);
    var out = stemBytes(String.fromCharCode.apply(null, bytes));
    return new TextDecoder().decode(Uint8Array.from(out, function (c) { return c.charCodeAt(0); }));
  }
  function stemBytes(w) {
    // Step 1a
    if (endsWith(w, "sses")) w = w.slice(0, -2);
    else if (endsWith(w, "ies")) w = w.slice(0, -2);
    else if (!endsWith(w, "ss") && endsWith(w, "s")) w = w.slice(0, -1);
    // Step 1b
    var again = false;
    if (w.length > 3 && endsWith(w, "eed")) { if (measure(w.slice(0, -3)) > 0) w = w.slice(0, -1); }
    else if (endsWith(w, "ed") && hasVowel(w.slice(0, -2))) { w = w.slice(0, -2); again = true; }
    else if (endsWith(w, "ing") && hasVowel(w.slice(0, -3))) { w = w.slice(0, -3); again = true; }
    if (again) {
      if (endsWith(w, "at") || endsWith(w, "bl") || endsWith(w, "iz")) w += "e";
      else if (doubleC(w) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
      else if (measure(w) === 1 && cvc(w)) w += "e";
    }
    // Step 1c
    if (endsWith(w, "y") && hasVowel(w.slice(0, -1))) w = w.slice(0, -1) + "i";
    w = step2(w, STEP2);
    w = step2(w, STEP3);
    w = step4(w);
    // Step 5
    if (endsWith(w, "e")) {
      var m = measure(w.slice(0, -1));
      if (m > 1 || (m === 1 && !cvc(w.slice(0, -1)))) w = w.slice(0, -1);
    }
    if (measure(w) > 1 && doubleC(w) && endsWith(w, "l")) w = w.slice(0, -1);
    return w;
  }

  /* Other ways a word is written (kbtool.search.vocabulary.variants): [text, prefix] pairs. */
  function variants(word, vocab) {
    var lower = word.toLowerCase(), out = [];
    var full = own(vocab.abbreviations, lower) || own(vocab.sqlstates, lower) || [];
    full.forEach(function (f) { out.push([f, false]); });
    for (var k = 0; k < vocab.ise.length; k++) {
      var end = vocab.ise[k];
      if (endsWith(lower, end) && lower.length - end.length >= vocab.min_stem) {
        out.push([lower.slice(0, -end.length), true]);
        break;
      }
    }
    if (endsWith(lower, "our") && lower.length >= 6) out.push([lower.slice(0, -2) + "r", false]);
    return out;
  }
  function own(table, key) { return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : null; }

  function camelParts(word) {  // fromAttributes → from, Attributes; HTTPException → HTTP, Exception
    var parts = [], start = 0, up = /\p{Lu}/u, low = /\p{Ll}/u, digit = /\p{N}/u;
    var chars = Array.from(word);
    for (var i = 1; i < chars.length; i++) {
      var before = chars[i - 1], c = chars[i], after = chars[i + 1] || "";
      if (up.test(c) && (low.test(before) || digit.test(before) || (up.test(before) && low.test(after)))) {
        parts.push(chars.slice(start, i).join("")); start = i;
      }
    }
    parts.push(chars.slice(start).join(""));
    return parts;
  }

  /* A clause: the stems of one term (a phrase when more than one), or a prefix. */
  function clause(text, prefix) {
    var words = tokens(text).slice(0, 32);
    return { stems: prefix ? words : words.map(stem), prefix: !!prefix, text: words.join(" ") };
  }

  var AROUND = "\"'`.,;:!?()[]{}<>";
  function isStop(term, stop) {
    if (term.phrase || term.prefix || term.negated) return false;
    var text = term.text.toLowerCase().replace(/\u2019/g, "'");
    if ((text.length === 2 && text[0] === "-") || (text.length === 1 && /\p{L}/u.test(text))) return true;
    var bare = text.replace(/^["'`.,;:!?()[\]{}<>]+|["'`.,;:!?()[\]{}<>]+$/g, "");
    return stop.has(text) || stop.has(bare);
  }

  /* Terms as query.py's _lex reads them: "quoted phrases", -excluded, OR, prefix*, field:word
   * (the field is dropped: the site's terms do not say where in an entry they are). */
  function lex(query) {
    var out = [], re = /(-(?=["\p{L}\p{N}]))?(?:([A-Za-z]+):(?=\S))?(?:"([^"]*)"?(\*?)|([^\s"]+))/gu, m;
    var fields = /^(title|symptoms?|description|desc|tags?|category|body)$/i;
    while ((m = re.exec(query)) !== null) {
      var negated = m[1] === "-", field = m[2];
      if (field && !fields.test(field)) {  // not a field: the colon is part of the word
        out.push({ text: field + ":" + (m[3] !== undefined ? m[3] : m[5]), phrase: false, prefix: false, negated: negated });
        continue;
      }
      if (m[3] !== undefined) {
        // A quote glued to code before it (requests.get("https://…")) opens a string of that
        // code, not a phrase: its text is words like the code's.
        var literal = !field && !negated && m.index > 0 && "([{=,".indexOf(query[m.index - 1]) >= 0;
        out.push({ text: m[3], phrase: !literal, prefix: m[4] === "*", negated: negated, field: !!field });
        continue;
      }
      var text = m[5];
      if (!negated && !field && (text === "OR" || text === "NOT" || text === "AND")) { out.push(text); continue; }
      if (negated && /^\p{L}$/u.test(text)) { negated = false; text = "-" + text; }  // pip install -e .
      out.push({ text: text.replace(/\*+$/, ""), phrase: false, prefix: /\*$/.test(text), negated: negated, field: !!field });
    }
    return out;
  }

  var DOTTED = /[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)+/gu;
  var NAMES = /[\p{L}\p{N}](?:[\p{L}\p{N}_]*[\p{L}\p{N}])?/gu;

  function looser(term, stop, vocab) {
    if (term.phrase || term.prefix) return [];
    var out = [];
    var dotted = (term.text.match(DOTTED) || []).filter(function (p) { return tokens(p).length > 1; });
    if (dotted.length > 1 || (dotted.length && tokens(dotted[0]).length < tokens(term.text).length)) {
      dotted.forEach(function (p) { out.push(clause(p)); });
    }
    var names = term.text.match(NAMES) || [];
    if (names.length > 1) {
      names.forEach(function (name) {
        if (name.length > 1 && !/^\p{N}+$/u.test(name) && !stop.has(name.toLowerCase())) {
          out.push(clause(name));
          spellings({ text: name }, vocab).forEach(function (c) { out.push(c); });
        }
      });
    }
    tokensAsWritten(term.text).slice(0, 32).forEach(function (word) {
      var parts = camelParts(word);
      if (parts.length > 1) out.push(clause(parts.join(" ")));
    });
    return out;
  }
  function tokensAsWritten(text) { return text.match(/[\p{L}\p{N}\p{Co}]+/gu) || []; }

  function spellings(term, vocab) {
    if (term.phrase || term.prefix) return [];
    var words = tokens(term.text);
    if (words.length !== 1) return [];
    return variants(words[0], vocab).map(function (v) { return clause(v[0], v[1]); });
  }

  /* query.py's convert: {groups, looser, excluded, words}; groups are OR-groups of clauses
   * that must all match, looser the per-group forms an "any word" ranking counts too. */
  function convert(query, meta) {
    var stop = meta.stopSet, vocab = meta.vocabulary;
    var items = lex(query.slice(0, 4000)), groups = [], excluded = [];
    var joining = false, negateNext = false, afterPositive = false;
    items.forEach(function (item) {
      if (typeof item === "string") {
        if (item === "OR") joining = afterPositive; else if (item === "NOT") negateNext = true;
        return;
      }
      if (!tokens(item.text).length) return;
      if (negateNext) { item.negated = true; negateNext = false; }
      if (item.negated) excluded.push(item);
      else if (joining) groups[groups.length - 1].push(item);
      else groups.push([item]);
      joining = false;
      afterPositive = !item.negated;
    });
    var whole = "";  // query.py's _whole: plain words, three or more, stop words and all
    var plain = groups.every(function (g) { return g.length === 1 && !g[0].phrase && !g[0].prefix && !g[0].field; });
    if (!excluded.length && plain) {
      var all = [];
      groups.forEach(function (g) { all.push.apply(all, tokens(g[0].text)); });
      if (all.length >= 3) whole = all.slice(0, 32).join(" ");
    }
    var kept = groups.map(function (g) { return g.filter(function (t) { return !isStop(t, stop); }); })
      .filter(function (g) { return g.length; });
    if (kept.length) groups = kept;
    var count = 0;
    groups = groups.filter(function () { return count++ < 32; });
    var words = [];
    groups.forEach(function (g) {
      g.forEach(function (t) { tokens(t.text).forEach(function (w) { if (words.indexOf(w) < 0) words.push(w); }); });
    });
    return {
      groups: groups.map(function (g) {
        var out = [];
        g.forEach(function (t) {
          var c = clause(t.text, t.prefix);
          c.code = !t.phrase;  // words joined by punctuation: engine.execute, db.query(User)
          out.push(c);
          spellings(t, vocab).forEach(function (v) { out.push(v); });
        });
        return out;
      }),
      looser: groups.map(function (g) {
        var out = [];
        g.forEach(function (t) { looser(t, stop, vocab).forEach(function (c) { out.push(c); }); });
        return out;
      }),
      excluded: excluded.map(function (t) { return clause(t.text, t.prefix); }),
      words: words,
      whole: whole,
      lastTyped: groups.length ? groups[groups.length - 1] : null
    };
  }

  /* Optimal string alignment distance, or cutoff + 1 once it must exceed cutoff. */
  function editDistance(a, b, cutoff) {
    if (Math.abs(a.length - b.length) > cutoff) return cutoff + 1;
    var prev2 = [], prev = [];
    for (var j = 0; j <= b.length; j++) prev.push(j);
    for (var i = 1; i <= a.length; i++) {
      var cur = [i];
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], prev2[j - 2] + 1);
      }
      if (Math.min.apply(null, cur) > cutoff) return cutoff + 1;
      prev2 = prev; prev = cur;
    }
    return prev[b.length];
  }

  /* The closest words of a vocabulary shard ({word: entries}) to a word not in it, and of
   * those one edit away found in other shards, as kbtool search's close_terms ranks them:
   * fewest edits, then commonest, then alphabetical. */
  function closeWords(word, vocab, most, elsewhere) {  // elsewhere: [word, entries] one edit away
    word = fold(word);
    if (word.length < 3 || word.length > 40) return [];
    var cutoff = word.length < 6 ? 1 : 2, found = [], letters = new Set(word);
    Object.keys(vocab).forEach(function (term) {
      if (Math.abs(term.length - word.length) > cutoff) return;
      var seen = new Set(term), missing = 0, extra = 0;
      letters.forEach(function (c) { if (!seen.has(c)) missing++; });
      seen.forEach(function (c) { if (!letters.has(c)) extra++; });
      if (missing > cutoff || extra > cutoff) return;
      var d = editDistance(word, term, cutoff);
      if (d > 0 && d <= cutoff) found.push([d, -vocab[term], term]);
    });
    (elsewhere || []).forEach(function (pair) { found.push([1, -pair[1], pair[0]]); });
    found.sort(function (x, y) { return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0); });
    return found.slice(0, most || 3).map(function (f) { return f[2]; });
  }

  /* The words one edit away from a word (deletion, swap, replacement, insertion of a-z)
   * that start otherwise: close_terms looks those up beyond the word's own shard. */
  function editsElsewhere(word) {
    var out = new Set(), abc = "abcdefghijklmnopqrstuvwxyz", head = word.slice(0, 2);
    for (var i = 0; i <= word.length; i++) {
      var a = word.slice(0, i), b = word.slice(i);
      if (b) out.add(a + b.slice(1));
      if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
      for (var k = 0; k < abc.length; k++) {
        if (b) out.add(a + abc[k] + b.slice(1));
        out.add(a + abc[k] + b);
      }
    }
    return Array.from(out).filter(function (e) { return e.slice(0, 2) !== head; }).sort();
  }

  var api = { fold: fold, tokens: tokens, stem: stem, variants: variants, camelParts: camelParts,
    convert: convert, editDistance: editDistance, closeWords: closeWords, editsElsewhere: editsElsewhere };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.KbQuery = api;
})(typeof self !== "undefined" ? self : this);
