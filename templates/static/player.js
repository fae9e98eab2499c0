// The episode page's player, chapters and interactive transcript. Without this script the times are
// plain text; with it each becomes a button that seeks, and the transcript follows the player.
(() => {
  "use strict";
  const player = document.getElementById("player");
  if (!player) return;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // Each time stamp (in a chapter or a cue, which carry data-start) becomes a button.
  for (const stamp of document.querySelectorAll("[data-start] > span.stamp")) {
    const button = document.createElement("button");
    const hint = document.createElement("span");
    button.type = "button";
    button.className = "seek stamp";
    hint.className = "visually-hidden";
    hint.textContent = "Play from ";
    button.append(hint, stamp.textContent);
    stamp.replaceWith(button);
  }

  function seek(seconds) {
    if (player.readyState >= HTMLMediaElement.HAVE_METADATA) {
      player.currentTime = seconds;
    } else {
      player.addEventListener("loadedmetadata", () => { player.currentTime = seconds; }, { once: true });
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.seek");
    if (!button) return;
    const owner = button.closest("[data-start]");
    seek(Number(owner.dataset.start));
    if (owner.classList.contains("cue")) history.replaceState(null, "", "#" + owner.id); // the moment's address
    player.play().catch(() => {}); // autoplay may be refused; the position is still set
    // focus stays on the button: the listener keeps their place
  });

  const box = document.querySelector("div.transcript");
  if (!box) return;
  // Cues by start time, so the one being spoken is found by binary search, not by walking the page.
  const cues = Array.from(box.querySelectorAll("p.cue"));
  cues.sort((a, b) => Number(a.dataset.start) - Number(b.dataset.start));
  const starts = Float64Array.from(cues, (cue) => Number(cue.dataset.start));
  const EPSILON = 0.01; // a seek to a cue's start may land a hair before it

  function cueAt(seconds) {
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (starts[middle] <= seconds + EPSILON) low = middle + 1;
      else high = middle;
    }
    return low - 1; // the last cue that has started; -1 before the first
  }

  // The transcript scrolls in a box of its own, so following the player never moves the page.
  box.classList.add("following");
  const follow = document.createElement("input");
  const label = document.createElement("label");
  follow.type = "checkbox";
  follow.checked = true;
  follow.id = "transcript-follow";
  label.htmlFor = follow.id;
  label.textContent = "Keep the words being spoken in view";
  const control = document.createElement("p");
  control.className = "follow";
  control.append(follow, " ", label);
  box.before(control);

  function inView(cue) {
    const area = box.getBoundingClientRect();
    const place = cue.getBoundingClientRect();
    return place.bottom > area.top && place.top < area.bottom;
  }

  function scrollBoxTo(cue, always) {
    const top = cue.offsetTop; // the box is the cues' offset parent
    const bottom = top + cue.offsetHeight;
    const shown = box.scrollTop;
    if (!always && top >= shown && bottom <= shown + box.clientHeight * 0.8) return; // still comfortably in view
    box.scrollTo({ top: Math.max(0, top - box.clientHeight / 4), behavior: reducedMotion.matches ? "auto" : "smooth" });
  }

  let current = -1;
  function mark(index) {
    if (current >= 0) {
      cues[current].classList.remove("current");
      cues[current].removeAttribute("aria-current");
    }
    current = index;
    if (index >= 0) {
      cues[index].classList.add("current");
      cues[index].setAttribute("aria-current", "true");
    }
  }

  function update() {
    const index = cueAt(player.currentTime);
    if (index === current) return;
    // follow only a listener who is following: the line before was in view (or there was none), and
    // keyboard focus is not on another part of the transcript
    const before = current >= 0 ? cues[current] : null;
    const focus = document.activeElement;
    const following = !before || inView(before);
    const readingElsewhere = box.contains(focus) && !(before && before.contains(focus));
    mark(index);
    if (index >= 0 && follow.checked && following && !readingElsewhere) scrollBoxTo(cues[index], false);
  }

  player.addEventListener("timeupdate", update);
  player.addEventListener("seeked", update);
  follow.addEventListener("change", () => {
    if (follow.checked && current >= 0) scrollBoxTo(cues[current], true);
  });

  // A link to a moment (#t-754, as search results give) starts the player there; it does not play.
  function openMoment() {
    const target = location.hash.startsWith("#t-") ? document.getElementById(location.hash.slice(1)) : null;
    if (!target || !target.classList.contains("cue")) return;
    seek(Number(target.dataset.start));
    mark(cues.indexOf(target));
    target.scrollIntoView({ block: "center" }); // the listener asked for this place: the page goes there
  }
  window.addEventListener("hashchange", openMoment);
  openMoment();
})();
