/* Keyboard-first: j/k or ↓/↑ move through the list, Enter opens the conversation and puts the cursor in the
 * composer, r reply, n note, e resolve, a assign to me, z snooze, / search (when the page has a search box), ? these
 * shortcuts (a dialog, RU/EN through i18n.json), Esc leaves the text box. Off while typing in a field, with a
 * modifier held, or while another dialog is open. The actions press the page's own buttons, so a shortcut does
 * exactly what the button does, and nothing the button would not (a hidden button is not pressed). */
import { setMode } from "./composer.js";
import { els, state } from "./core.js";
import { showView } from "./layout.js";

const dialog = document.getElementById("keys-dialog");
const helpButton = document.getElementById("keys-help");
const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable=false])";
const SEARCH = "#search-input, [data-search-input], input[type=search]";

const rows = () => [...els.list.querySelectorAll(".conv-item")];

function move(step) {
  const items = rows();
  if (!items.length) return;
  const focused = document.activeElement && document.activeElement.closest
    ? document.activeElement.closest(".conv-item") : null;
  let index = items.indexOf(focused);
  if (index < 0) index = items.findIndex((row) => row.classList.contains("active"));
  const next = index < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, index + step));
  items[next].focus();
  items[next].scrollIntoView({ block: "nearest" });
}

function compose(mode) {
  if (!state.openId || els.conv.hidden) return false;
  showView("conv");
  if (mode) setMode(mode);
  els.text.focus();
  return true;
}

/** A button of the open conversation, pressed as a user would (only when it is there to press). */
function press(button) {
  if (!state.openId || !button || button.hidden || button.disabled) return false;
  button.click();
  return true;
}

export function toggleHelp(open = !dialog.open) {
  if (open && !dialog.open) dialog.showModal();
  else if (!open && dialog.open) dialog.close();
  helpButton.setAttribute("aria-expanded", String(dialog.open));
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target instanceof Element ? e.target : null;
  if (target && target.closest(TYPING)) {
    // Esc in the composer (when no menu took it) hands the keyboard back to the shortcuts
    if (e.key === "Escape" && target === els.text && !e.defaultPrevented) {
      els.text.blur();
      const row = els.list.querySelector(".conv-item.active");
      if (row && row.offsetParent) row.focus();
    }
    return;
  }
  const row = target && target.closest(".conv-item");
  if (e.key === "Enter" && row) {
    // the row's own handler opened it (and took the key); put the cursor where the answer goes
    queueMicrotask(() => compose(null));
    return;
  }
  if (e.defaultPrevented) return;
  if (document.querySelector("dialog[open]") && !dialog.open) return;
  let done = true;
  switch (e.key) {
    case "j":
      move(1);
      break;
    case "k":
      move(-1);
      break;
    case "ArrowDown":
    case "ArrowUp":
      // arrows scroll the page elsewhere; in the list (or with nothing focused) they move through it
      if (!row && target && target !== document.body) return;
      move(e.key === "ArrowDown" ? 1 : -1);
      break;
    case "r":
      done = compose("reply");
      break;
    case "n":
      done = compose("note");
      break;
    case "e":
      done = press(els.resolve);
      break;
    case "a":
      done = press(els.assignMe);
      break;
    case "z":
      done = press(document.getElementById("act-snooze"));
      break;
    case "/": {
      const box = document.querySelector(SEARCH);
      done = Boolean(box);
      if (box) box.focus();
      break;
    }
    case "?":
      toggleHelp();
      break;
    default:
      done = false;
  }
  if (done) e.preventDefault(); // the key is not typed into the box it just focused
}

export function wireKeys() {
  document.addEventListener("keydown", onKey);
  helpButton.addEventListener("click", () => toggleHelp(true));
  dialog.addEventListener("close", () => helpButton.setAttribute("aria-expanded", "false"));
}
