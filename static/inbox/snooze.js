/* Snooze and pending in the conversation header: "Snooze" opens a small menu (in 1 hour, tomorrow 9:00, next
 * Monday 9:00 in the reader's own time, or a date and time picked), "Pending" waits for the customer. The server
 * wakes a snoozed conversation at its time (or at the customer's next message) and every inbox follows live;
 * the list and the header show the wake time as a chip. `z` opens the menu (keys.js). */
import { errorText } from "./api.js";
import { h, state, t } from "./core.js";
import { formatFull, formatTime } from "./format.js";
import { openConversationRecord, patchConversation } from "./conversation.js";

const $ = (id) => document.getElementById(id);

/** When each preset wakes, as a Date in the reader's zone. */
export function presetTime(kind, now = new Date()) {
  const at = new Date(now);
  if (kind === "hour") return new Date(now.getTime() + 3600 * 1000);
  at.setHours(9, 0, 0, 0);
  if (kind === "tomorrow") {
    at.setDate(at.getDate() + 1);
    return at;
  }
  // next Monday: on a Monday, the one a week later
  const days = ((8 - at.getDay()) % 7) || 7;
  at.setDate(at.getDate() + days);
  return at;
}

/** The chip "⏾ until 09:00" of a snoozed conversation (null otherwise). */
export function snoozeChip(c) {
  if (!c || c.status !== "snoozed" || !c.snoozed_until) return null;
  return h("span", {
    className: "badge snooze-chip",
    dataset: { snoozedUntil: c.snoozed_until },
    title: t("snooze.chip_title", { time: formatFull(c.snoozed_until) }),
  }, t("snooze.until", { time: formatTime(c.snoozed_until) }));
}

function menuOpen(open) {
  const menu = $("snooze-menu");
  menu.hidden = !open;
  $("act-snooze").setAttribute("aria-expanded", String(open));
  $("snooze-error").textContent = "";
  if (open) {
    const at = $("snooze-at");
    at.value = localValue(presetTime("tomorrow"));
    at.min = localValue(new Date());
    menu.querySelector("[data-snooze]").focus();
  }
}

function localValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function snoozeUntil(date) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()) || date.getTime() <= Date.now()) {
    $("snooze-error").textContent = t("snooze.bad_time");
    return;
  }
  menuOpen(false);
  await patchConversation({ status: "snoozed", snoozed_until: date.toISOString() });
}

/** The header's controls for the open conversation (called by renderHeader). */
export function renderSnoozeControls(c) {
  const closed = !c || c.status === "resolved";
  $("act-snooze").hidden = closed;
  $("act-pending").hidden = closed || c.status === "pending";
  if (closed) menuOpen(false);
}

export function wireSnooze() {
  const button = $("act-snooze");
  const menu = $("snooze-menu");
  button.addEventListener("click", (e) => {
    e.stopPropagation();
    menuOpen(menu.hidden);
  });
  for (const item of menu.querySelectorAll("[data-snooze]")) {
    item.addEventListener("click", () => snoozeUntil(presetTime(item.dataset.snooze)));
  }
  $("snooze-custom").addEventListener("submit", (e) => {
    e.preventDefault();
    snoozeUntil(new Date($("snooze-at").value)).catch((err) => {
      $("snooze-error").textContent = errorText(err);
    });
  });
  menu.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      menuOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== button) menuOpen(false);
  });
  $("act-pending").addEventListener("click", () => {
    if (openConversationRecord() && state.openId) patchConversation({ status: "pending" });
  });
}
