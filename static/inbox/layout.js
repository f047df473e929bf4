/* The small-screen layout (≤ 760 px wide, hub.css "small screens"): one column at a time — the list, the open
 * conversation, or the client card — chosen by <body data-view="list|conv|card">, with a bar that goes back and
 * opens the card. On a wide screen the attribute changes nothing (all columns are there).
 *
 * Any way of opening a conversation (a row, the bell, a task, a call banner, the card's other conversations) shows
 * it: a click or key press that changed state.openId, or any click on a row. Closing it (it was removed) goes back
 * to the list. */
import { els, state, t } from "./core.js";

const bar = document.getElementById("view-bar");
const back = document.getElementById("view-back");
const backText = document.getElementById("view-back-text");
const cardButton = document.getElementById("view-card");

export const currentView = () => document.body.dataset.view || "list";
export const isSmallScreen = () => window.matchMedia("(max-width: 760px)").matches;

export function showView(view) {
  if (view !== "list" && !state.openId) view = "list";
  document.body.dataset.view = view;
  renderViewBar();
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
  showView(view === "card" ? "conv" : "list");
  if (view === "conv") {
    // back on the list: the keyboard and the screen reader continue from the row that was open
    const row = els.list.querySelector(".conv-item.active") || els.list.querySelector(".conv-item");
    if (row) row.focus();
  } else {
    els.text.focus({ preventScroll: true });
  }
}

export function wireLayout() {
  showView("list");
  back.addEventListener("click", goBack);
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
