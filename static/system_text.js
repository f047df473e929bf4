/* System entries (routing, assignment, status changes, a task's changes, the bot's handoff) are a code and params
 * (hub/actions/system_entries.py): rendered here in the reader's language, the same for the inbox
 * (static/inbox/format.js) and the partner portal (static/portal.js), which have no other code in common. The
 * caller passes its translator and time formatters; the stored English text is the fallback for a code this page
 * has no text for.
 */
"use strict";

window.HubSystemText = (() => {
  const isCoded = (entry) =>
    Boolean(entry && entry.meta && entry.meta.code && (entry.kind === "system" || entry.meta.system));

  /** render(entry, {t, formatTime, formatFull}) -> the entry's text in the reader's language. */
  function render(entry, { t, formatTime, formatFull }) {
    const code = isCoded(entry) && entry.meta.code;
    if (!code || t(`system.${code}`) === `system.${code}`) return entry.text;
    const params = { ...(entry.meta.params || {}) };
    if (code === "bot.handoff") return botHandoffText(params, entry.text, t);
    for (const key of ["policy", "priority"]) if (params[key]) params[key] = t(`system.word.${params[key]}`);
    if (params.until) params.until = formatFull(params.until); // a snooze's wake time, in the reader's zone
    let key = `system.${code}`;
    if (code.startsWith("task.")) {
      // a task entry by the system has no actor name: its own phrase ("Task … created automatically"), not
      // "Система создал(а) …"; "for"/"due" parts are phrases of their own; the due time is ISO (older entries
      // stored a UTC text): shown in the reader's zone like every time of the page
      if (!params.actor) {
        if (t(`${key}_auto`) !== `${key}_auto`) key = `${key}_auto`;
        params.actor = t("author.system");
      }
      if (params.due_at) params.due = formatTime(params.due_at);
      params.for = params.target ? t("system.task.for", { target: params.target }) : "";
      params.due_part = params.due ? t("system.task.due_part", { due: params.due }) : "";
      if (!params.target) params.target = t("tasks.nobody");
      if (!params.due) params.due = t("tasks.no_due");
    }
    return t(key, params);
  }

  // the bot's handoff note: the reason, then what applies of unrouted / captured / callback (bots/answers.py)
  function botHandoffText(p, stored, t) {
    const reasonKey = `system.bot.reason.${p.reason}`;
    if (t(reasonKey) === reasonKey) return stored;
    const parts = [t("system.bot.handoff", { reason: t(reasonKey, { quote: p.quote ?? "", n: p.n ?? "" }) })];
    if (p.unrouted) parts.push(t("system.bot.unrouted", { quote: p.unrouted }));
    if (p.captured) parts.push(t("system.bot.captured", { items: p.captured }));
    if (p.callback_when) parts.push(t("system.bot.callback", { mention: p.mention || "", when: p.callback_when }));
    if (p.note) parts.push(String(p.note));
    return parts.join(" ");
  }

  return { isCoded, render };
})();
