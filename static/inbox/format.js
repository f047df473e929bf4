/* Small renderers: badges, names, times, sizes, mention handles, system entry texts. */
import { I18N, h, state, t } from "./core.js";

// a system entry (routing, assignment, a task's changes) is a code and params: shown in the reader's language by
// static/system_text.js (a classic script the portal shares; inbox.html loads it before this bundle)
export const isSystemCoded = (entry) => window.HubSystemText.isCoded(entry);

export const systemText = (entry) => window.HubSystemText.render(entry, { t, formatTime, formatFull });

// --- small renderers -----------------------------------------------------------------------------------------

export function translatedOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

export const channelLabel = (channel) => translatedOr(`channel.${channel}`, channel);

export function channelBadge(channel) {
  return h("span", { className: `badge channel channel-${/^[a-z0-9_-]+$/.test(channel) ? channel : "other"}`,
    dataset: { channel } }, channelLabel(channel));
}

/** The customer's language (en, ru: what their widget or Telegram showed, or what they chose with the bot). */
export function languageBadge(language) {
  if (!/^[a-z]{2,3}$/.test(language || "")) return null;
  const name = translatedOr(`language.${language}`, language);
  return h("span", { className: "badge lang-badge", dataset: { language },
    title: t("badge.language", { language: name }) }, language.toUpperCase());
}

/** The language the customer's side of a conversation last showed: its newest inbound entry's meta.language. */
export function customerLanguage(conversationId) {
  let newest = null;
  for (const entry of state.entries.values()) {
    if (entry.conversation_id !== conversationId || entry.direction !== "in") continue;
    const language = entry.meta && entry.meta.language;
    if (!language) continue;
    if (!newest || Date.parse(entry.occurred_at) >= Date.parse(newest.occurred_at)) newest = entry;
  }
  return newest ? newest.meta.language : null;
}

export const botBadge = () => h("span", { className: "badge bot-badge", dataset: { handler: "bot" } }, t("badge.bot"));

/** A conversation's priority, when it is not the usual one. */
export function priorityBadge(priority) {
  if (!priority || priority === "normal" || !/^[a-z]+$/.test(priority)) return null;
  return h("span", { className: `badge priority priority-${priority}`, dataset: { priority } },
    translatedOr(`priority.${priority}`, priority));
}

export function statusChip(status) {
  return h("span", { className: `badge status status-${status}`, dataset: { status } }, t(`status.${status}`));
}

export function clientName(client) {
  if (!client) return "…";
  if (client.name) return client.name;
  const first = (client.identities || [])[0];
  if (!first) return t("client.unnamed");
  // an anonymous web chat visitor: a readable, stable name instead of a raw id
  if (first.kind === "webchat") return t("client.visitor", { n: visitorNumber(first.value) });
  return first.value;
}

export function visitorNumber(value) {
  let hash = 0;
  for (const ch of String(value)) hash = (hash * 31 + ch.codePointAt(0)) % 9000;
  return 1000 + hash;
}

export function userName(id) {
  const user = state.users.find((u) => u.id === id);
  return user ? user.name : t("user.unknown");
}

export function locale() {
  return I18N.language === "ru" ? "ru-RU" : "en-GB";
}

export function formatTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  const now = new Date();
  if (when.toDateString() === now.toDateString()) {
    return when.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
  }
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (when.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return when.toLocaleString(locale(), options);
}

export function formatFull(iso) {
  return iso ? new Date(iso).toLocaleString(locale()) : "";
}

export function formatSize(bytes) {
  if (typeof bytes !== "number") return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function nameHandle(name) {
  return String(name || "").trim().toLowerCase().replace(/[^\p{L}\p{N}_.-]+/gu, "-").replace(/^-+|-+$/g, "");
}

export const emailHandle = (email) => String(email || "").split("@")[0].toLowerCase();
