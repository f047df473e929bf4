/* The SLA clock of a conversation (its JSON's `sla`, computed by the server: null when no policy applies): a
 * countdown to the nearest due time still running, amber within the policy's warning minutes, red once due or
 * breached. One timer re-reads every shown clock twice a minute, in place (no re-render of the list).
 */
import { h, t } from "./core.js";
import { formatTime, translatedOr } from "./format.js";

const TARGETS = [
  ["first_response", "first_response_due_at"],
  ["resolution", "resolution_due_at"],
];

/** {state: "ok" | "warning" | "breached", target, due (ms or null)} or null when there is no clock to show. */
export function slaState(sla, now = Date.now()) {
  if (!sla || typeof sla !== "object") return null;
  const running = TARGETS.map(([target, key]) => [target, Date.parse(sla[key])]).filter(([, due]) => !Number.isNaN(due));
  running.sort((a, b) => a[1] - b[1]);
  const breached = Array.isArray(sla.breached) ? sla.breached : [];
  if (!running.length && sla.paused_at && !breached.length) {
    // snoozed or pending: the clock waits for the customer (the server counts it as ok)
    return { state: "ok", target: null, due: null, paused: true };
  }
  if (!running.length) return breached.length ? { state: "breached", target: breached[0], due: null } : null;
  const [target, due] = running[0];
  const warnMs = Math.max(0, Number(sla.warning_minutes) || 0) * 60000;
  const state = breached.length || due <= now ? "breached" : due - now <= warnMs ? "warning" : "ok";
  return { state, target, due };
}

/** 3 d 4 h / 2 h 05 min / 7 min, in the reader's language. */
export function duration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  const d = Math.floor(minutes / 1440);
  const hh = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return t("sla.d_h", { d, h: hh });
  if (hh > 0) return t("sla.h_m", { h: hh, m: String(m).padStart(2, "0") });
  return t("sla.m", { m });
}

function fillClock(el, sla, now) {
  const found = slaState(sla, now);
  if (!found) {
    el.hidden = true;
    return;
  }
  if (found.paused) {
    el.hidden = false;
    el.className = "sla sla-paused";
    el.dataset.sla = "paused";
    el.textContent = `⏸ ${t("sla.paused")}`;
    el.title = t("sla.paused_title", { policy: sla.policy || "" });
    return;
  }
  const target = translatedOr(`sla.target.${found.target}`, found.target);
  let text;
  if (found.due === null) text = t("sla.breached");
  else if (found.due <= now) text = t("sla.overdue", { time: duration(now - found.due) });
  else text = t("sla.left", { time: duration(found.due - now) });
  el.hidden = false;
  el.className = `sla sla-${found.state}`;
  el.dataset.sla = found.state;
  el.textContent = `⏱ ${text}`;
  const when = found.due === null ? "" : formatTime(new Date(found.due).toISOString());
  el.title = t("sla.title", { target, time: when || "—", policy: sla.policy || "" });
}

/** What a conversation's clock shows: a resolved conversation has nothing running (no countdown, whatever due
 * times a late push still carries), only a target it breached. */
function shownSla(conversation) {
  const sla = conversation && conversation.sla;
  if (!sla || typeof sla !== "object" || conversation.status !== "resolved") return sla;
  return { ...sla, first_response_due_at: null, resolution_due_at: null, paused_at: null };
}

/** The clock of a conversation, or null (no sla, or the key is missing). */
export function slaClock(conversation) {
  const sla = shownSla(conversation);
  if (!conversation || !slaState(sla)) return null;
  startSlaTimer();
  const el = h("span", { className: "sla" });
  el.slaData = sla;
  fillClock(el, sla, Date.now());
  return el;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll(".sla")) if (el.slaData) fillClock(el, el.slaData, now);
}

let timer = null;
export function startSlaTimer() {
  if (timer === null) timer = setInterval(tick, 30000);
}
