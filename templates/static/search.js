// Search across the site with Pagefind's index (pagefind/, made at build; nothing loads from elsewhere).
// Every page: shows the search box, which needs this script. The search page: runs the query in ?q=
// and lists the pages that match, with the moments in a transcript where the words are spoken.
(() => {
  "use strict";
  const root = new URL("..", document.currentScript.src); // static/ sits at the site's root
  const form = document.querySelector("form.site-search");
  if (form) form.hidden = false;
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  if (!list || !status) return;

  const query = (new URLSearchParams(location.search).get("q") || "").trim();
  const box = form && form.querySelector("input[name=q]");
  if (box) box.value = query;
  const MAX_PAGES = 20;
  const MAX_MOMENTS = 5;
  const CUE = /^t-(\d+)(?:-\d+)?$/; // a transcript cue's id: its start in whole seconds

  function clock(seconds) {
    const minutes = Math.floor(seconds / 60) % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(seconds / 3600)}:${pad(minutes)}:${pad(seconds % 60)}`;
  }

  function element(tag, text, className) {
    const made = document.createElement(tag);
    if (text) made.textContent = text;
    if (className) made.className = className;
    return made;
  }

  function inLanguage(node, lang) {
    if (lang) node.lang = lang;
    return node;
  }

  // words[from, to) as text, the matched ones in <mark>; built as nodes, never as HTML
  function excerpt(words, from, to, hits) {
    const paragraph = element("p", "", "excerpt");
    let plain = [];
    const flush = () => {
      if (plain.length) paragraph.append(plain.join(" ") + " ");
      plain = [];
    };
    for (let i = from; i < to; i++) {
      if (hits.has(i)) {
        flush();
        paragraph.append(element("mark", words[i]), " ");
      } else {
        plain.push(words[i]);
      }
    }
    flush();
    return paragraph;
  }

  // Pagefind's anchors are every element with an id; a cue's runs to the next anchor. Each hit in a
  // cue is a moment: a link to the cue (#t-754), which the episode page opens at that time.
  function moments(data, words, pageUrl, lang) {
    const anchors = data.anchors.slice().sort((a, b) => a.location - b.location);
    const found = new Map();
    for (const location of data.locations) {
      let owner = null;
      for (const anchor of anchors) {
        if (anchor.location > location) break;
        owner = anchor;
      }
      if (!owner || !CUE.test(owner.id)) continue;
      const next = anchors.find((anchor) => anchor.location > owner.location);
      const moment = found.get(owner.id) || { owner, end: next ? next.location : words.length, hits: new Set() };
      moment.hits.add(location);
      found.set(owner.id, moment);
    }
    const items = [];
    for (const { owner, end, hits } of Array.from(found.values()).slice(0, MAX_MOMENTS)) {
      const item = element("li");
      const link = element("a", `at ${clock(Number(CUE.exec(owner.id)[1]))}`);
      link.href = `${pageUrl}#${owner.id}`;
      const said = excerpt(words, owner.location, Math.min(end, owner.location + 40), hits);
      item.append(link, inLanguage(said, lang));
      items.push(item);
    }
    return items;
  }

  // a result's title and words are in its programme's language, a transcript's in its own
  function show(data) {
    const pageUrl = new URL(data.url.replace(/^\//, ""), root).href;
    const words = data.content.split(/\s+/);
    const meta = data.meta || {};
    const item = element("li", "", "result");
    const heading = inLanguage(element("h2"), meta.lang);
    const link = element("a", meta.title || data.url);
    link.href = pageUrl;
    heading.append(link);
    item.append(heading);
    const spoken = moments(data, words, pageUrl, meta.transcript_lang || meta.lang);
    if (spoken.length) {
      const title = element("p", "Said in the transcript:", "moments-heading");
      const inner = element("ul", "", "moments");
      inner.append(...spoken);
      item.append(title, inner);
    } else {
      const first = Math.max(0, (data.locations[0] || 0) - 15);
      const found = excerpt(words, first, Math.min(words.length, first + 30), new Set(data.locations));
      item.append(inLanguage(found, meta.lang));
    }
    return item;
  }

  async function run() {
    if (!query) {
      status.textContent = "Type a word or phrase into the search box, then press Search.";
      return;
    }
    status.textContent = `Searching for “${query}”…`;
    const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
    await pagefind.options({ basePath: new URL("pagefind/", root).pathname });
    const search = await pagefind.search(query);
    const pages = await Promise.all(search.results.slice(0, MAX_PAGES).map((result) => result.data()));
    list.replaceChildren(...pages.map(show));
    const count = search.results.length;
    const shown = count > MAX_PAGES ? ` (the first ${MAX_PAGES} shown)` : "";
    status.textContent =
      count === 0 ? `No pages match “${query}”.` : `${count} page${count === 1 ? "" : "s"} match “${query}”${shown}.`;
    document.title = `${query}: search · ${document.title.split(" · ").pop()}`;
  }

  run().catch(() => {
    status.textContent = "Search could not load its index. Try again later.";
  });
})();
