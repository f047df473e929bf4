/* The small-screen layout (≤ 760 px wide, hub.css "small screens"): one column at a time — the list, the open
 * conversation, or the client card — chosen by <body data-view="list|conv|card">, with a bar that goes back and
 * opens the card. On a wide screen the attribute changes nothing (all columns are there). Going a level deeper
 * pushes a history entry, so the browser's (the phone's) back gesture goes back a level, as the bar's back does.
 *
 * On a phone the conversation's actions are one row (Assign to me, Resolve or Reopen, "More"): "More" shows the
 * others (<div id="conv-actions" data-more="open">), so the timeline keeps most of the screen.
 *
 * Between 761 and 1100 px there is no room for the card column: the conversation's header has a "Client card"
 * toggle that opens it as a side sheet (<body data-card-sheet="open">), closed by the toggle, its × or Escape.
 *
 * Any way of opening a conversation (a row, the bell, a task, a call banner, the card's other conversations) shows
 * it: a click or key press that changed state.openId, or any click on a row. Closing it (it was removed) goes back
 * to the list. */
import { els, state, t } from "./core.js";

const bar = document.getElementById("view-bar");
const back = document.getElementById("view-back");
const backText = document.getElementById("view-back-text");
const cardButton = document.getElementById("view-card");
const cardToggle = document.getElementById("card-toggle");
const actions = document.getElementById("conv-actions");
const more = document.getElementById("act-more");
const sheetClose = document.getElementById("card-sheet-close");
const DEPTH = { list: 0, conv: 1, card: 2 };

export const currentView = () => document.body.dataset.view || "list";
export const isSmallScreen = () => window.matchMedia("(max-width: 760px)").matches;

export function showView(view, { fromHistory = false } = {}) {
  if (view !== "list" && !state.openId) view = "list";
  const from = currentView();
  document.body.dataset.view = view;
  renderViewBar();
  if (fromHistory || !isSmallScreen() || view === from) return;
  try {
    if (DEPTH[view] > DEPTH[from]) window.history.pushState({ hubView: view }, "");
    else if (window.history.state && window.history.state.hubView) window.history.replaceState({ hubView: view }, "");
  } catch {
    /* no history (a sandboxed frame): the bar still goes back */
  }
}

export function renderViewBar() {
  const view = currentView();
  bar.dataset.view = view;
  backText.dataset.i18n = view === "card" ? "layout.back_to_conversation" : "layout.back_to_list";
  backText.textContent = t(backText.dataset.i18n);
  cardButton.hidden = view !== "conv";
}

function goBack() {
  const view = currentView();
  if (isSmallScreen() && window.history.state && window.history.state.hubView === view) {
    window.history.back(); // the entry this level pushed: popstate shows the level above
    return;
  }
  showView(view === "card" ? "conv" : "list");
  focusAfterBack(view);
}

function focusAfterBack(left) {
  if (left === "conv") {
    // back on the list: the keyboard and the screen reader continue from the row that was open
    const row = els.list.querySelector(".conv-item.active") || els.list.querySelector(".conv-item");
    if (row) row.focus();
  } else {
    // back on the conversation: on the button that opened the card, not in the composer (on a phone that would
    // bring the keyboard up over the timeline)
    if (!cardButton.hidden) cardButton.focus({ preventScroll: true });
    else els.text.focus({ preventScroll: true });
  }
}

function setMore(open) {
  if (open) actions.dataset.more = "open";
  else delete actions.dataset.more;
  more.setAttribute("aria-expanded", String(open));
}

// the browser's back (or forward) between the levels this page pushed
function onHistory(event) {
  const from = currentView();
  const to = (event.state && event.state.hubView) || "list";
  if (to === from) return;
  showView(to, { fromHistory: true });
  if (DEPTH[to] < DEPTH[from]) focusAfterBack(from);
}

function setSheet(open) {
  if (open) document.body.dataset.cardSheet = "open";
  else delete document.body.dataset.cardSheet;
  cardToggle.setAttribute("aria-expanded", String(open));
  if (open) els.card.focus({ preventScroll: true });
}

function wireSheet() {
  cardToggle.addEventListener("click", () => setSheet(document.body.dataset.cardSheet !== "open"));
  const close = () => {
    setSheet(false);
    cardToggle.focus();
  };
  sheetClose.addEventListener("click", close);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.body.dataset.cardSheet === "open" && !e.defaultPrevented) close();
  });
}

export function wireLayout() {
  showView("list");
  back.addEventListener("click", goBack);
  window.addEventListener("popstate", onHistory);
  wireSheet();
  more.addEventListener("click", () => setMore(actions.dataset.more !== "open"));
  // a shortcut (z: snooze) that presses a control "More" holds opens it: what it opened is seen
  actions.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest(".act-more-item")) setMore(true);
  });
  cardButton.addEventListener("click", () => {
    showView("card");
    els.card.focus({ preventScroll: true });
  });
  els.card.tabIndex = -1; // focusable by script, for the view switch
  let before = null;
  const remember = () => {
    before = state.openId;
  };
  const follow = (e) => {
    const row = e.target instanceof Element && e.target.closest(".conv-item");
    queueMicrotask(() => {
      if (state.openId && (state.openId !== before || (row && e.type === "click"))) showView("conv");
    });
  };
  for (const type of ["click", "keydown"]) {
    document.addEventListener(type, remember, true);
    document.addEventListener(type, follow);
  }
  new MutationObserver(() => {
    if (els.conv.hidden && currentView() !== "list") showView("list");
  }).observe(els.conv, { attributes: true, attributeFilter: ["hidden"] });
}
