/* Channels and their health (GET /api/v1/channels/health, admins): each mailbox's connection, mode, last sync and
 * last error; what is set up for Telegram, telephony, the web chat and the api channel. A channel that is not set
 * up says how to set it up; a problem is shown in red. */
import { api, canManage, fill, h, nothing, problem, t } from "./common.js";
import { formatTime } from "../inbox/format.js";

const body = () => document.getElementById("channels-body");
let data = null;
let error = "";

export async function loadChannels() {
  try {
    data = await api("GET", "/api/v1/channels/health");
    error = "";
  } catch (err) {
    error = err.status === 403 ? t("admin.channels_admins") : err.message || String(err);
  }
  renderChannels();
}

const stateOf = (section) => (!section.configured ? "off" : section.connected === false ? "bad" : "ok");
const STATE_KEY = { ok: "admin.state_ok", off: "admin.state_off", bad: "admin.state_bad" };

function card(channel, section, ...details) {
  const state = section.state || stateOf(section);
  return h("li", { className: `admin-item admin-channel admin-channel-${state}`, dataset: { channel, state } },
    h("div", { className: "admin-item-head" },
      h("strong", { className: "admin-item-name" }, t(`admin.channel_${channel}`)), " ",
      h("span", { className: `badge admin-state admin-state-${state}` }, t(STATE_KEY[state]))),
    h("p", { className: state === "bad" ? "form-error" : "muted", dataset: { code: section.code || "" } }, said(section)),
    ...details);
}

// a section's message: its code + params in the reader's language (static/i18n.json health.message.*), else the
// server's English text
function said(section) {
  const key = `health.message.${section.code}`;
  const text = section.code ? t(key, section.params || {}) : key;
  return text === key ? section.message : text;
}

function mailbox(m) {
  const bad = !m.connected || Boolean(m.last_error);
  return h("li", { className: `admin-mailbox${bad ? " admin-mailbox-bad" : ""}`, dataset: { mailbox: m.name, state: bad ? "bad" : "ok" } },
    h("strong", {}, m.name), " ", h("span", { className: "muted" }, m.address || ""), " ",
    h("span", { className: `badge admin-state admin-state-${bad ? "bad" : "ok"}` }, t(m.connected ? "health.connected" : "health.disconnected")),
    h("dl", { className: "fields" },
      h("dt", {}, t("health.mode")), h("dd", {}, m.mode || "—"),
      h("dt", {}, t("health.last_sync")), h("dd", {}, m.last_sync_at ? formatTime(m.last_sync_at) : t("health.never")),
      h("dt", {}, t("health.backlog")), h("dd", {}, String(m.backlog ?? 0)),
      m.last_error ? [h("dt", {}, t("health.last_error")),
        h("dd", { className: "form-error admin-channel-error" }, m.last_error, m.last_error_at ? ` (${formatTime(m.last_error_at)})` : "")] : null));
}

const pairs = (rows) => h("dl", { className: "fields" }, ...rows.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]));

export function renderChannels() {
  const refresh = h("button", { type: "button", className: "btn btn-small", id: "channels-refresh", onclick: loadChannels }, t("admin.refresh"));
  if (!canManage) {
    fill(body(), nothing("admin.channels_admins"));
    return;
  }
  if (!data) {
    fill(body(), refresh, error ? problem(error) : nothing("admin.loading"));
    return;
  }
  const email = data.email;
  const mailboxes = email.mailboxes || [];
  const emailState = !email.configured ? "off" : mailboxes.some((m) => !m.connected || m.last_error) ? "bad" : "ok";
  const tg = data.telegram || {};
  const phone = data.telephony || {};
  const web = data.webchat || {};
  const apiChannel = data.api || {};
  fill(body(),
    h("div", { className: "admin-actions" }, refresh),
    error ? problem(error) : null,
    h("ul", { className: "admin-list", id: "channels-list" },
      card("email", { ...email, state: emailState }, mailboxes.length ? h("ul", { className: "admin-plain" }, ...mailboxes.map(mailbox)) : null),
      data.telegram ? card("telegram", tg, (tg.bots || []).length ? pairs((tg.bots || []).map((b) => [
        "admin.telegram_bot", `${b.name} · ${b.mode}${b.webhook_secret ? "" : ` · ${t("admin.telegram_no_secret")}`}`])) : null) : null,
      data.telephony ? card("telephony", phone, (phone.providers || []).length ? pairs([
        ["admin.telephony_providers", phone.providers.join(", ")],
        ["admin.telephony_numbers", Object.entries(phone.numbers || {}).map(([n, d]) => `${n} → ${d}`).join(", ") || "—"],
        ["admin.telephony_dialer", t(phone.dialer ? "admin.yes" : "admin.no")]]) : null) : null,
      data.webchat ? card("webchat", web, pairs([["admin.webchat_origins", (web.origins || []).join(", ") || t("admin.webchat_own")]])) : null,
      data.api ? card("api", apiChannel) : null));
}
