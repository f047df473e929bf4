/*
 * Hub web chat widget. Embed with one tag on any page:
 *
 *   <script src="https://hub.example/widget.js" async></script>
 *
 * Optional attributes on that tag: data-lang="ru|en" (default: the page's <html lang>, then the browser; the bot
 * answers in the same language: it is sent with the session and each message),
 * data-title="…" (panel title), data-prechat="off" (no "introduce yourself" form), data-open="true" (open at once).
 * When the bot's messages say it speaks another language (a language button, typed Cyrillic: "lang" on each
 * message), the labels switch to it and stay so for the tab's session (sessionStorage), unless the page changes its
 * own language (a site's language switch: the page's language wins again).
 *
 * It finds the hub from its own src, loads the hub's copy of socket.io-client (/static/vendor/socket.io.min.js, no
 * CDN) and connects to the /widget namespace (event contract: connectors/webchat/__init__.py). The UI lives in an
 * OPEN shadow root on <div id="hub-widget-host">, so the host page's CSS does not reach it and its CSS does not leak
 * out. Message text is always set with textContent (never innerHTML).
 *
 * Stable test hooks (inside the shadow root of #hub-widget-host; Playwright pierces open shadow roots):
 *   [data-hub-widget=host]            the host element (light DOM, zero-size: wait with state "attached");
 *                                     data-state mirrors the connection state (idle, connecting, online, offline);
 *                                     data-lang the language the labels are in (en | ru)
 *   [data-hub-widget=bubble]          the round button that opens / closes the panel (aria-expanded)
 *   [data-hub-widget=badge]           unread count on the bubble (hidden when 0)
 *   [data-hub-widget=panel]           the chat panel (hidden attribute while closed)
 *   [data-hub-widget=close]           the panel's close button
 *   [data-hub-widget=status]          connection line, data-state = idle | connecting | online | offline
 *   [data-hub-widget=prechat]         the optional pre-chat form: [data-hub-widget=prechat-name],
 *                                     [data-hub-widget=prechat-email], [data-hub-widget=prechat-submit],
 *                                     [data-hub-widget=prechat-skip], [data-hub-widget=prechat-error]
 *   [data-hub-widget=verify]          "we sent a code to a…@example.com" (shown when the hub mailed a code to the
 *                                     pre-chat email): [data-hub-widget=verify-intro], [data-hub-widget=verify-code],
 *                                     [data-hub-widget=verify-submit], [data-hub-widget=verify-resend],
 *                                     [data-hub-widget=verify-skip], [data-hub-widget=verify-error];
 *                                     [data-hub-widget=verify-done] says the email is confirmed
 *   [data-hub-widget=messages]        the message list
 *   [data-hub-widget=message]         one message; data-author-type = client | user | bot | system,
 *                                     data-entry-id (once stored), data-client-msg-id (own messages),
 *                                     data-status = pending | sent | failed (own messages)
 *   [data-hub-widget=message-text]    its text;  [data-hub-widget=message-error] why an own message failed
 *   [data-hub-widget=button]          a bot button (data-button-id); disabled once pressed or superseded
 *   [data-hub-widget=typing]          "… is typing" (hidden attribute when nobody types)
 *   [data-hub-widget=input]           the textarea;  [data-hub-widget=send] the send button
 *   [data-hub-widget=error]           a composer-level error (too long, …)
 *   [data-hub-widget=links]           "continue in Telegram" links (hidden until the hub offers some, after the
 *                                     visitor's first stored message): [data-hub-widget=link] (data-channel)
 * JS: window.HubWidget = {open(), close(), toggle(), send(text), state, visitorId}
 *
 * Offline: messages are queued in localStorage and sent in order on (re)connect; the hub stores each
 * client_msg_id once, so a resend after a lost acknowledgement does not duplicate it.
 */
(function () {
  "use strict";

  if (window.HubWidget) return;

  const script = document.currentScript || (function () {
    const all = document.querySelectorAll("script[src]");
    for (let i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(all[i].src)) return all[i];
    }
    return null;
  })();
  if (!script) return;

  const SRC = new URL(script.src, location.href);
  const ORIGIN = SRC.origin;
  const BASE_PATH = SRC.pathname.replace(/\/widget\.js$/, "");
  const MAX_TEXT = 4000;
  const ACK_TIMEOUT = 10000;
  const opt = function (name) { return script.getAttribute("data-" + name); };

  // --- texts -------------------------------------------------------------------------------------------------------
  const TEXTS = {
    en: {
      title: "Chat with us", subtitle: "We usually reply within minutes", open: "Open chat", close: "Close chat",
      placeholder: "Type a message…", send: "Send", empty: "Hi! How can we help?",
      prechatIntro: "Introduce yourself so we can also answer by email (optional)", name: "Name", email: "Email",
      start: "Save", skip: "Skip", typing: "{name} is typing…", someone: "Operator",
      connecting: "Connecting…", online: "Online", offline: "No connection — messages will be sent when it is back",
      tooLong: "The message is too long (up to 4000 characters)", notSent: "Not sent",
      invalidEmail: "Check the email address", needSomething: "Give a name or an email", retrying: "Sending…",
      continueIn: "Continue in {title}",
      busy: "Too many new chats from your network right now — we will connect in a few minutes",
      codeSent: "We sent a code to {to}. Enter it to confirm this email", code: "Code from the email",
      confirm: "Confirm", resend: "New code", later: "Later", invalidCode: "The code is 6 digits",
      wrongCode: "Wrong code ({left} tries left)", tooManyAttempts: "Too many wrong codes — ask for a new one",
      codeExpired: "The code has expired — ask for a new one", noCode: "No code is waiting — ask for a new one",
      codeLimit: "Too many codes for now — try again in an hour",
      codeUnavailable: "The code could not be sent — try again later",
      verified: "Email confirmed — our team now sees your earlier requests too",
    },
    ru: {
      title: "Напишите нам", subtitle: "Обычно отвечаем за несколько минут", open: "Открыть чат",
      close: "Закрыть чат", placeholder: "Напишите сообщение…", send: "Отправить",
      empty: "Здравствуйте! Чем можем помочь?",
      prechatIntro: "Представьтесь, чтобы мы могли ответить и по почте (необязательно)", name: "Имя",
      email: "Эл. почта", start: "Сохранить", skip: "Пропустить", typing: "{name} печатает…", someone: "Оператор",
      connecting: "Подключение…", online: "В сети", offline: "Нет связи — сообщения отправятся, когда она появится",
      tooLong: "Сообщение слишком длинное (до 4000 символов)", notSent: "Не отправлено",
      invalidEmail: "Проверьте адрес почты", needSomething: "Укажите имя или почту", retrying: "Отправляем…",
      continueIn: "Продолжить в {title}",
      busy: "Слишком много новых чатов из вашей сети — подключимся через несколько минут",
      codeSent: "Мы отправили код на {to}. Введите его, чтобы подтвердить почту", code: "Код из письма",
      confirm: "Подтвердить", resend: "Новый код", later: "Позже", invalidCode: "Код — 6 цифр",
      wrongCode: "Неверный код (осталось попыток: {left})",
      tooManyAttempts: "Слишком много неверных кодов — запросите новый",
      codeExpired: "Срок действия кода истёк — запросите новый", noCode: "Нет ожидающего кода — запросите новый",
      codeLimit: "Слишком много кодов — попробуйте через час",
      codeUnavailable: "Не удалось отправить код — попробуйте позже",
      verified: "Почта подтверждена — теперь мы видим и ваши прошлые обращения",
    },
  };
  function knownLang(lang) { return lang === "ru" || lang === "en" ? lang : null; }
  // the conversation's language once the bot decided it (a language button, typed Cyrillic): kept for this tab's
  // session, it wins over the page's, until the page itself changes language (a site's language switch)
  const LANG_KEY = "hubWidget:" + ORIGIN + ":lang";
  const PAGE_LANG = (function () {
    const wanted = (opt("lang") || document.documentElement.lang || navigator.language || "en").toLowerCase();
    return wanted.slice(0, 2) === "ru" ? "ru" : "en";
  })();
  let LANG = (function () {
    let chosen = null;
    let chosenOn = null;
    try {
      chosen = knownLang(window.sessionStorage.getItem(LANG_KEY));
      chosenOn = knownLang(window.sessionStorage.getItem(LANG_KEY + ":page"));
      if (chosen && chosenOn && chosenOn !== PAGE_LANG) { // the page switched language since: it wins, for good
        window.sessionStorage.removeItem(LANG_KEY);
        window.sessionStorage.removeItem(LANG_KEY + ":page");
        chosen = null;
      }
    } catch (e) { /* not kept */ }
    return chosen || PAGE_LANG;
  })();
  let T = TEXTS[LANG];

  // --- storage (localStorage may be unavailable: private modes, sandboxed frames) -----------------------------
  const PREFIX = "hubWidget:" + ORIGIN + ":";
  const memory = {};
  function load(key, fallback) {
    let raw = null;
    try { raw = window.localStorage.getItem(PREFIX + key); } catch (e) { raw = memory[key] || null; }
    if (raw === null || raw === undefined) return fallback;
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }
  function save(key, value) {
    const raw = JSON.stringify(value);
    try { window.localStorage.setItem(PREFIX + key, raw); } catch (e) { memory[key] = raw; }
  }
  function forget(key) {
    try { window.localStorage.removeItem(PREFIX + key); } catch (e) { delete memory[key]; }
  }

  let token = load("token", null);
  let visitorId = load("visitor", null);
  let queue = load("queue", []);
  if (!Array.isArray(queue)) queue = [];

  function newId() {
    const bytes = new Uint8Array(12);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- DOM ---------------------------------------------------------------------------------------------------------
  const CSS = [
    ":host{all:initial}",
    ".hw{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,'Segoe UI',",
    "Roboto,Arial,sans-serif;color:#1f2933}",
    ".hw *{box-sizing:border-box;font:inherit}",
    ".hw [hidden]{display:none!important}",
    ".bubble{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:#2563eb;color:#fff;",
    "cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}",
    ".bubble:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}",
    ".bubble svg{width:28px;height:28px;fill:currentColor}",
    ".badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;",
    "background:#dc2626;color:#fff;font-size:12px;line-height:20px;text-align:center}",
    ".panel{position:absolute;right:0;bottom:76px;width:360px;height:520px;max-height:calc(100vh - 110px);",
    "display:flex;flex-direction:column;background:#fff;border-radius:14px;overflow:hidden;",
    "box-shadow:0 12px 40px rgba(0,0,0,.25)}",
    "header{background:#2563eb;color:#fff;padding:12px 14px;display:flex;align-items:flex-start;gap:8px}",
    "header .titles{flex:1;min-width:0}",
    ".title{font-weight:600;font-size:16px}",
    ".status{font-size:12px;opacity:.9}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:0 4px}",
    ".prechat{padding:10px 14px;border-bottom:1px solid #e5e7eb;background:#f8fafc;display:flex;",
    "flex-direction:column;gap:6px}",
    ".prechat p{margin:0;font-size:13px;color:#475569}",
    ".prechat input{width:100%;padding:7px 9px;border:1px solid #cbd5e1;border-radius:8px;background:#fff;",
    "color:#1f2933}",
    ".prechat .row{display:flex;gap:6px;justify-content:flex-end}",
    ".btn{padding:6px 12px;border-radius:8px;border:1px solid #2563eb;background:#2563eb;color:#fff;",
    "cursor:pointer}",
    ".btn.secondary{background:#fff;color:#2563eb}",
    ".btn:disabled{opacity:.5;cursor:default}",
    ".err{color:#b91c1c;font-size:12px}",
    ".done{padding:8px 14px;font-size:13px;color:#166534;background:#f0fdf4;border-bottom:1px solid #e5e7eb}",
    ".body{flex:1;overflow-y:auto;padding:12px;background:#f1f5f9}",
    ".empty{color:#64748b;text-align:center;margin:24px 0}",
    "ol{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}",
    "li{max-width:82%;align-self:flex-start;display:flex;flex-direction:column}",
    "li[data-author-type=client]{align-self:flex-end;align-items:flex-end}",
    ".text{padding:8px 11px;border-radius:12px;background:#fff;white-space:pre-wrap;overflow-wrap:anywhere;",
    "box-shadow:0 1px 2px rgba(0,0,0,.06)}",
    "li[data-author-type=client] .text{background:#2563eb;color:#fff}",
    "li[data-status=pending] .text{opacity:.6}",
    "li[data-status=failed] .text{background:#fee2e2;color:#7f1d1d}",
    ".meta{font-size:11px;color:#64748b;margin-top:2px}",
    ".buttons{display:flex;flex-direction:column;gap:4px;margin-top:6px}",
    ".buttons .line{display:flex;flex-wrap:wrap;gap:4px}",
    ".choice{padding:6px 10px;border-radius:14px;border:1px solid #2563eb;background:#fff;color:#2563eb;",
    "cursor:pointer}",
    ".choice:disabled{opacity:.45;cursor:default}",
    ".typing{padding:4px 14px;font-size:12px;color:#64748b;background:#f1f5f9}",
    ".composer{display:flex;gap:6px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}",
    "textarea{flex:1;resize:none;height:40px;max-height:120px;padding:9px 10px;border:1px solid #cbd5e1;",
    "border-radius:10px;color:#1f2933;background:#fff}",
    ".composer-error{padding:0 12px 8px;background:#fff}",
    ".links{display:flex;flex-wrap:wrap;gap:10px;padding:0 12px 8px;background:#fff;font-size:12px}",
    ".links a{color:#2563eb}",
    "@media (max-width:480px){.hw{right:12px;bottom:12px}.panel{position:fixed;left:8px;right:8px;top:8px;",
    "bottom:84px;width:auto;height:auto;max-height:none}}",
  ].join("");

  const SKELETON =
    '<div class="hw" data-hub-widget="root">' +
    '<section class="panel" data-hub-widget="panel" role="dialog" hidden>' +
    '<header><div class="titles"><div class="title" data-hub-widget="title"></div>' +
    '<div class="status" data-hub-widget="status" data-state="idle"></div></div>' +
    '<button type="button" class="close" data-hub-widget="close">\u00d7</button></header>' +
    '<form class="prechat" data-hub-widget="prechat" hidden novalidate>' +
    '<p data-hub-widget="prechat-intro"></p>' +
    '<input data-hub-widget="prechat-name" autocomplete="name" maxlength="200">' +
    '<input data-hub-widget="prechat-email" type="email" autocomplete="email" maxlength="254">' +
    '<div class="err" data-hub-widget="prechat-error" hidden></div>' +
    '<div class="row"><button type="button" class="btn secondary" data-hub-widget="prechat-skip"></button>' +
    '<button type="submit" class="btn" data-hub-widget="prechat-submit"></button></div></form>' +
    '<form class="prechat" data-hub-widget="verify" hidden novalidate>' +
    '<p data-hub-widget="verify-intro"></p>' +
    '<input data-hub-widget="verify-code" inputmode="numeric" autocomplete="one-time-code" maxlength="12">' +
    '<div class="err" data-hub-widget="verify-error" hidden></div>' +
    '<div class="row"><button type="button" class="btn secondary" data-hub-widget="verify-skip"></button>' +
    '<button type="button" class="btn secondary" data-hub-widget="verify-resend"></button>' +
    '<button type="submit" class="btn" data-hub-widget="verify-submit"></button></div></form>' +
    '<div class="done" data-hub-widget="verify-done" hidden></div>' +
    '<div class="body" data-hub-widget="scroll"><div class="empty" data-hub-widget="empty"></div>' +
    '<ol data-hub-widget="messages" aria-live="polite"></ol></div>' +
    '<div class="typing" data-hub-widget="typing" hidden></div>' +
    '<form class="composer" data-hub-widget="composer">' +
    '<textarea data-hub-widget="input" rows="1" maxlength="' + MAX_TEXT + '"></textarea>' +
    '<button type="submit" class="btn" data-hub-widget="send"></button></form>' +
    '<div class="composer-error err" data-hub-widget="error" hidden></div>' +
    '<div class="links" data-hub-widget="links" hidden></div>' +
    "</section>" +
    '<button type="button" class="bubble" data-hub-widget="bubble" aria-expanded="false">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 ' +
    '1-2z"/></svg><span class="badge" data-hub-widget="badge" hidden></span></button>' +
    "</div>";

  const host = document.createElement("div");
  if (!host.attachShadow) return; // without a shadow root the widget's CSS would leak into the page
  host.id = "hub-widget-host";
  host.setAttribute("data-hub-widget", "host");
  host.setAttribute("data-state", "idle");
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);
  const holder = document.createElement("div");
  holder.innerHTML = SKELETON; // a constant: no data from messages or the page
  root.appendChild(holder.firstChild);

  function $(name) { return root.querySelector('[data-hub-widget="' + name + '"]'); }
  const ui = {
    panel: $("panel"), bubble: $("bubble"), badge: $("badge"), close: $("close"), title: $("title"),
    status: $("status"), prechat: $("prechat"), prechatName: $("prechat-name"), prechatEmail: $("prechat-email"),
    prechatError: $("prechat-error"), prechatSkip: $("prechat-skip"), prechatSubmit: $("prechat-submit"),
    scroll: $("scroll"), empty: $("empty"), list: $("messages"), typing: $("typing"), composer: $("composer"),
    input: $("input"), send: $("send"), error: $("error"), links: $("links"),
    verify: $("verify"), verifyIntro: $("verify-intro"), verifyCode: $("verify-code"),
    verifyError: $("verify-error"), verifySubmit: $("verify-submit"), verifyResend: $("verify-resend"),
    verifySkip: $("verify-skip"), verifyDone: $("verify-done"),
  };
  function applyLabels() {
    host.setAttribute("data-lang", LANG);
    ui.panel.setAttribute("lang", LANG);
    ui.title.textContent = opt("title") || T.title;
    ui.panel.setAttribute("aria-label", opt("title") || T.title);
    ui.bubble.setAttribute("aria-label", T.open);
    ui.close.setAttribute("aria-label", T.close);
    $("prechat-intro").textContent = T.prechatIntro;
    ui.prechatName.placeholder = T.name;
    ui.prechatName.setAttribute("aria-label", T.name);
    ui.prechatEmail.placeholder = T.email;
    ui.prechatEmail.setAttribute("aria-label", T.email);
    ui.prechatSkip.textContent = T.skip;
    ui.prechatSubmit.textContent = T.start;
    ui.verifyIntro.textContent = T.codeSent.replace("{to}", ui.verify.getAttribute("data-to") || "");
    ui.verifyCode.placeholder = T.code;
    ui.verifyCode.setAttribute("aria-label", T.code);
    ui.verifySubmit.textContent = T.confirm;
    ui.verifyResend.textContent = T.resend;
    ui.verifySkip.textContent = T.later;
    ui.verifyDone.textContent = T.verified;
    ui.empty.textContent = T.empty;
    ui.input.placeholder = T.placeholder;
    ui.input.setAttribute("aria-label", T.placeholder);
    ui.send.textContent = T.send;
    const links = ui.links.querySelectorAll('[data-hub-widget="link"]');
    for (let i = 0; i < links.length; i++) {
      links[i].textContent = T.continueIn.replace("{title}", links[i].getAttribute("data-title") || "");
    }
    const failed = ui.list.querySelectorAll('[data-hub-widget="message-error"]');
    for (let i = 0; i < failed.length; i++) {
      failed[i].textContent = failed[i].getAttribute("data-reason") === "tooLong" ? T.tooLong : T.notSent;
    }
  }
  ui.status.textContent = T.subtitle;
  applyLabels();

  // the bot now speaks another language (its messages say which): the labels follow, for this tab's session,
  // and later messages (and reconnects) tell the hub this language
  function setLanguage(lang) {
    lang = knownLang(lang);
    if (!lang || lang === LANG) return;
    LANG = lang;
    T = TEXTS[lang];
    try {
      window.sessionStorage.setItem(LANG_KEY, lang);
      window.sessionStorage.setItem(LANG_KEY + ":page", PAGE_LANG); // the page it was chosen on
    } catch (e) { /* not kept */ }
    applyLabels();
    setState(state);
    if (!ui.typing.hidden && ui.typing.getAttribute("data-name")) {
      ui.typing.textContent = T.typing.replace("{name}", ui.typing.getAttribute("data-name"));
    }
  }

  function attach() { (document.body || document.documentElement).appendChild(host); }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);

  // --- messages ----------------------------------------------------------------------------------------------------
  const byEntryId = new Map();
  const byClientMsgId = new Map();
  let unread = 0;
  let isOpen = false;

  function timeOf(iso) {
    const at = iso ? Date.parse(iso) : NaN;
    return isNaN(at) ? Date.now() : at;
  }

  function formatTime(ms) {
    const d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function scrollDown() { ui.scroll.scrollTop = ui.scroll.scrollHeight; }

  function supersedeButtons(except) {
    const buttons = ui.list.querySelectorAll('[data-hub-widget="button"]');
    for (let i = 0; i < buttons.length; i++) {
      if (!except || !except.contains(buttons[i])) buttons[i].disabled = true;
    }
  }

  function setStatus(li, status, error) {
    li.setAttribute("data-status", status);
    let err = li.querySelector('[data-hub-widget="message-error"]');
    if (status === "failed") {
      if (!err) {
        err = document.createElement("div");
        err.className = "meta err";
        err.setAttribute("data-hub-widget", "message-error");
        li.appendChild(err);
      }
      err.textContent = error === "tooLong" ? T.tooLong : T.notSent;
      err.setAttribute("data-reason", error === "tooLong" ? "tooLong" : "notSent");
    } else if (err) {
      err.remove();
    }
  }

  function place(li, at) {
    // own pending messages go last; others in time order (history may arrive after live messages)
    if (li.getAttribute("data-status") === "pending") {
      ui.list.appendChild(li);
      return;
    }
    let before = null;
    for (let node = ui.list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.getAttribute("data-status") !== "pending" && Number(node.getAttribute("data-at")) <= at) break;
      before = node;
    }
    ui.list.insertBefore(li, before);
  }

  function render(m, status) {
    // m: {id?, text, author: {type, name}, occurred_at?, buttons?, client_msg_id?}
    if (m.id && byEntryId.has(m.id)) return byEntryId.get(m.id);
    if (m.client_msg_id && byClientMsgId.has(m.client_msg_id)) {
      const known = byClientMsgId.get(m.client_msg_id);
      if (m.id) {
        known.setAttribute("data-entry-id", m.id);
        byEntryId.set(m.id, known);
      }
      if (status !== "pending") setStatus(known, "sent");
      return known;
    }
    const author = m.author || { type: "system", name: "" };
    const at = timeOf(m.occurred_at);
    const li = document.createElement("li");
    li.setAttribute("data-hub-widget", "message");
    li.setAttribute("data-author-type", String(author.type || "system"));
    li.setAttribute("data-at", String(at));
    if (m.id) {
      li.setAttribute("data-entry-id", m.id);
      byEntryId.set(m.id, li);
    }
    if (m.client_msg_id) {
      li.setAttribute("data-client-msg-id", m.client_msg_id);
      byClientMsgId.set(m.client_msg_id, li);
    }
    if (author.type === "client") li.setAttribute("data-status", status || "sent");
    const text = document.createElement("div");
    text.className = "text";
    text.setAttribute("data-hub-widget", "message-text");
    text.textContent = String(m.text || "");
    li.appendChild(text);
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = (author.type !== "client" && author.name ? author.name + " · " : "") + formatTime(at);
    li.appendChild(meta);
    if (author.type !== "client" && Array.isArray(m.buttons) && m.buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("data-hub-widget", "buttons");
      m.buttons.forEach(function (row) {
        const line = document.createElement("div");
        line.className = "line";
        (Array.isArray(row) ? row : []).forEach(function (b) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "choice";
          button.setAttribute("data-hub-widget", "button");
          button.setAttribute("data-button-id", String(b.id));
          button.textContent = String(b.text);
          button.addEventListener("click", function () {
            supersedeButtons(null);
            sendText(String(b.text), String(b.id));
          });
          line.appendChild(button);
        });
        group.appendChild(line);
      });
      li.appendChild(group);
    }
    place(li, at);
    if (ui.list.lastElementChild === li || li.getAttribute("data-status") === "pending") {
      // a newer message makes older buttons stale
      supersedeButtons(li.querySelector('[data-hub-widget="buttons"]') ? li : null);
    }
    ui.empty.hidden = true;
    scrollDown();
    return li;
  }

  function incoming(m) {
    render(m, "sent");
    if (m.author && m.author.type !== "client") {
      setLanguage(m.lang);
      showTyping(null);
      if (!isOpen) {
        unread += 1;
        ui.badge.textContent = String(unread);
        ui.badge.hidden = false;
      }
    }
  }

  // --- typing ------------------------------------------------------------------------------------------------------
  let typingTimer = null;
  function showTyping(data) {
    clearTimeout(typingTimer);
    if (!data || !data.on) {
      ui.typing.hidden = true;
      return;
    }
    const name = (data.author && data.author.name) || T.someone;
    ui.typing.setAttribute("data-name", name);
    ui.typing.textContent = T.typing.replace("{name}", name);
    ui.typing.hidden = false;
    typingTimer = setTimeout(function () { ui.typing.hidden = true; }, 8000);
  }

  let typingSentAt = 0;
  let typingStop = null;
  function visitorTyping() {
    if (!socket || !socket.connected || !ui.input.value.trim()) return;
    const now = Date.now();
    if (now - typingSentAt > 2000) {
      typingSentAt = now;
      socket.emit("typing", { on: true });
    }
    clearTimeout(typingStop);
    typingStop = setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    clearTimeout(typingStop);
    if (typingSentAt && socket && socket.connected) socket.emit("typing", { on: false });
    typingSentAt = 0;
  }

  // --- connection --------------------------------------------------------------------------------------------------
  let socket = null;
  let ioLoading = null;
  let state = "idle";
  let retriedWithoutToken = false;

  function setState(next) {
    state = next;
    host.setAttribute("data-state", next);
    ui.status.setAttribute("data-state", next);
    ui.status.textContent = next === "online" ? T.subtitle : next === "offline" ? T.offline
      : next === "connecting" ? T.connecting : next === "busy" ? T.busy : T.subtitle;
  }

  function loadSocketIo() {
    if (ioLoading) return ioLoading;
    ioLoading = new Promise(function (resolve, reject) {
      // the page's own `io` and AMD loader stay as they were: this copy is ours only
      const pageIo = window.io;
      const pageDefine = window.define;
      const amd = typeof pageDefine === "function" && pageDefine.amd;
      if (amd) window.define = undefined;
      const tag = document.createElement("script");
      tag.src = ORIGIN + BASE_PATH + "/static/vendor/socket.io.min.js";
      tag.async = true;
      function restore() {
        if (amd) window.define = pageDefine;
        window.io = pageIo;
      }
      tag.onload = function () {
        const lib = window.io;
        restore();
        if (typeof lib === "function") resolve(lib); else reject(new Error("socket.io did not load"));
      };
      tag.onerror = function () {
        restore();
        ioLoading = null;
        reject(new Error("socket.io did not load"));
      };
      (document.head || document.documentElement).appendChild(tag);
    });
    return ioLoading;
  }

  function ensureConnected() {
    if (socket) {
      if (!socket.connected && !socket.active) socket.connect();
      return;
    }
    setState("connecting");
    loadSocketIo().then(function (io) {
      if (socket) return;
      socket = io(ORIGIN + "/widget", {
        path: BASE_PATH + "/socket.io/",
        transports: ["websocket", "polling"],
        tryAllTransports: true,
        reconnectionDelayMax: 10000,
        // the language these labels are in: the bot answers in it too
        auth: function (cb) { cb(token ? { visitor_token: token, lang: LANG } : { lang: LANG }); },
      });
      socket.on("session", function (data) {
        if (!data || !data.visitor_token) return;
        token = data.visitor_token;
        visitorId = data.visitor_id;
        save("token", token);
        save("visitor", visitorId);
      });
      socket.on("connect", function () {
        retriedWithoutToken = false;
        setState("online");
        loadHistory().then(flush);
      });
      socket.on("disconnect", function () {
        setState("offline");
      });
      socket.on("connect_error", function (err) {
        if (socket.active) {
          setState("offline"); // a network problem: socket.io retries by itself
          return;
        }
        // refused by the hub: a token it no longer accepts starts over as a new visitor (once)
        if (token && !retriedWithoutToken && /token/i.test(String(err && err.message))) {
          retriedWithoutToken = true;
          token = null;
          forget("token");
          socket.connect();
          return;
        }
        // too many new visitors from this address: say so, and try again later
        if (/^rate_limited/.test(String(err && err.message))) {
          setState("busy");
          setTimeout(function () { if (socket && !socket.connected) socket.connect(); }, 60000);
          return;
        }
        setState("offline");
      });
      socket.on("message", incoming);
      socket.on("typing", showTyping);
    }).catch(function () {
      setState("offline");
      setTimeout(ensureConnected, 5000);
    });
  }

  function call(event, data) {
    return new Promise(function (resolve) {
      if (!socket || !socket.connected) {
        resolve(null);
        return;
      }
      socket.timeout(ACK_TIMEOUT).emit(event, data, function (err, answer) {
        resolve(err ? null : answer);
      });
    });
  }

  function loadHistory() {
    return call("history", { limit: 100 }).then(function (answer) {
      if (!answer || !answer.ok) return;
      const stored = {};
      answer.items.forEach(function (m) {
        render(m, "sent");
        if (m.client_msg_id) stored[m.client_msg_id] = true;
      });
      // queued messages the hub already has (their acknowledgement was lost) are not sent again
      const before = queue.length;
      queue = queue.filter(function (item) { return !stored[item.client_msg_id]; });
      if (queue.length !== before) save("queue", queue);
      if (answer.items.length) {
        hidePrechat(true);
        loadLinks();
      }
    });
  }

  // "continue in Telegram": asked once the visitor has a client (their first message is stored)
  let linksLoaded = false;
  function loadLinks() {
    if (linksLoaded) return;
    linksLoaded = true;
    call("links", {}).then(function (answer) {
      if (!answer || !answer.ok || !Array.isArray(answer.items)) {
        linksLoaded = false; // ask again after the next stored message
        return;
      }
      answer.items.forEach(function (item) {
        if (!item || typeof item.url !== "string" || !/^https:\/\//i.test(item.url)) return;
        const a = document.createElement("a");
        a.href = item.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.setAttribute("data-hub-widget", "link");
        a.setAttribute("data-channel", String(item.channel || ""));
        a.setAttribute("data-title", String(item.title || item.channel || ""));
        a.textContent = T.continueIn.replace("{title}", String(item.title || item.channel || ""));
        ui.links.appendChild(a);
      });
      ui.links.hidden = !ui.links.firstChild;
    });
  }

  // --- sending -----------------------------------------------------------------------------------------------------
  let flushing = false;
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length && socket && socket.connected) {
        const item = queue[0];
        const answer = await call("message", {
          text: item.text, client_msg_id: item.client_msg_id, button_id: item.button_id || undefined,
          page: location.origin + location.pathname, lang: LANG,
        });
        if (answer === null) {
          // no answer in time: keep it queued and try again (the hub stores a client_msg_id once)
          setTimeout(flush, 3000);
          break;
        }
        const li = byClientMsgId.get(item.client_msg_id);
        if (answer.ok) {
          queue.shift();
          save("queue", queue);
          if (li) {
            li.setAttribute("data-entry-id", answer.entry_id);
            byEntryId.set(answer.entry_id, li);
            setStatus(li, "sent");
          }
          loadLinks();
        } else if (answer.code === "rate_limited" || answer.code === "unavailable") {
          await sleep(answer.code === "rate_limited" ? 2000 : 5000);
        } else {
          queue.shift();
          save("queue", queue);
          if (li) setStatus(li, "failed", answer.code === "too_long" ? "tooLong" : "notSent");
        }
      }
    } finally {
      flushing = false;
    }
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  }

  function sendText(text, buttonId) {
    text = String(text || "").trim();
    if (!text) return false;
    if (text.length > MAX_TEXT) {
      showError(T.tooLong);
      return false;
    }
    showError("");
    stopTyping();
    hidePrechat(true);
    const item = { client_msg_id: newId(), text: text, button_id: buttonId || null, at: Date.now() };
    queue.push(item);
    save("queue", queue);
    render({ text: text, author: { type: "client", name: "" }, client_msg_id: item.client_msg_id }, "pending");
    ensureConnected();
    flush();
    return true;
  }

  // --- pre-chat form -----------------------------------------------------------------------------------------------
  function hidePrechat(done) {
    ui.prechat.hidden = true;
    if (done) save("prechat", "done");
  }

  function maybeShowPrechat() {
    if (opt("prechat") === "off" || load("prechat", null) === "done" || byEntryId.size || queue.length) return;
    ui.prechat.hidden = false;
  }

  ui.prechat.addEventListener("submit", function (event) {
    event.preventDefault();
    const name = ui.prechatName.value.trim();
    const email = ui.prechatEmail.value.trim();
    ui.prechatError.hidden = true;
    if (!name && !email) {
      ui.prechatError.textContent = T.needSomething;
      ui.prechatError.hidden = false;
      return;
    }
    ui.prechatSubmit.disabled = true;
    ensureConnected();
    const attempt = function (left) {
      call("prechat", { name: name, email: email, lang: LANG }).then(function (answer) {
        if (answer === null && left > 0 && socket) {
          setTimeout(function () { attempt(left - 1); }, 1000);
          return;
        }
        ui.prechatSubmit.disabled = false;
        if (answer && answer.ok) {
          hidePrechat(true);
          if (answer.verification) {
            verifyEmail = email;
            showVerification(answer.verification);
          } else {
            ui.input.focus();
          }
          return;
        }
        ui.prechatError.textContent = answer && answer.code === "invalid_email" ? T.invalidEmail
          : answer ? (answer.error || T.notSent) : T.offline;
        ui.prechatError.hidden = false;
      });
    };
    attempt(5);
  });
  ui.prechatSkip.addEventListener("click", function () { hidePrechat(true); ui.input.focus(); });

  // --- proving the pre-chat email by the code the hub mailed to it -------------------------------------------------
  let verifyEmail = "";
  function verifyProblem(text) {
    ui.verifyError.textContent = text || "";
    ui.verifyError.hidden = !text;
  }

  function showVerification(v) {
    ui.verify.hidden = false;
    ui.verifyDone.hidden = true;
    verifyProblem("");
    if (v.sent) {
      ui.verify.setAttribute("data-to", String(v.to || ""));
      ui.verifyIntro.textContent = T.codeSent.replace("{to}", String(v.to || ""));
      ui.verifyCode.value = "";
      ui.verifyCode.focus();
    } else {
      verifyProblem(v.code === "rate_limited" ? T.codeLimit : T.codeUnavailable);
    }
  }

  const CODE_ERRORS = {
    invalid: "invalidCode", too_many_attempts: "tooManyAttempts", expired: "codeExpired", no_code: "noCode",
    unavailable: "notSent",
  };
  ui.verify.addEventListener("submit", function (event) {
    event.preventDefault();
    const code = ui.verifyCode.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      verifyProblem(T.invalidCode);
      return;
    }
    ui.verifySubmit.disabled = true;
    call("verify_email", { code: code }).then(function (answer) {
      ui.verifySubmit.disabled = false;
      if (answer && answer.ok) {
        ui.verify.hidden = true;
        ui.verifyDone.hidden = false;
        // the chat now belongs to the confirmed client: its history and "continue in" links follow
        ui.links.textContent = "";
        ui.links.hidden = true;
        linksLoaded = false;
        loadHistory();
        ui.input.focus();
        return;
      }
      if (!answer) verifyProblem(T.offline);
      else if (answer.code === "wrong_code") verifyProblem(T.wrongCode.replace("{left}", answer.attempts_left));
      else if (answer.code === "rate_limited") verifyProblem(T.retrying);
      else verifyProblem(T[CODE_ERRORS[answer.code] || "noCode"]);
    });
  });
  ui.verifyResend.addEventListener("click", function () {
    if (!verifyEmail) return;
    ui.verifyResend.disabled = true;
    call("prechat", { email: verifyEmail, lang: LANG }).then(function (answer) {
      ui.verifyResend.disabled = false;
      if (answer && answer.ok && answer.verification) showVerification(answer.verification);
      else verifyProblem(answer ? T.codeUnavailable : T.offline);
    });
  });
  ui.verifySkip.addEventListener("click", function () { ui.verify.hidden = true; ui.input.focus(); });

  // --- panel -------------------------------------------------------------------------------------------------------
  function setOpen(open) {
    isOpen = open;
    ui.panel.hidden = !open;
    ui.bubble.setAttribute("aria-expanded", open ? "true" : "false");
    try { window.sessionStorage.setItem(PREFIX + "open", open ? "1" : ""); } catch (e) { /* not kept */ }
    if (open) {
      unread = 0;
      ui.badge.hidden = true;
      ensureConnected();
      maybeShowPrechat();
      scrollDown();
      ui.input.focus();
    }
  }

  ui.bubble.addEventListener("click", function () { setOpen(!isOpen); });
  ui.close.addEventListener("click", function () { setOpen(false); ui.bubble.focus(); });
  ui.composer.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendText(ui.input.value)) ui.input.value = "";
  });
  ui.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (sendText(ui.input.value)) ui.input.value = "";
    } else if (event.key === "Escape") {
      setOpen(false);
    }
  });
  ui.input.addEventListener("input", visitorTyping);

  // queued messages from an earlier page show at once (and go out when connected)
  queue.forEach(function (item) {
    render({ text: item.text, author: { type: "client", name: "" }, client_msg_id: item.client_msg_id,
      occurred_at: new Date(item.at || Date.now()).toISOString() }, "pending");
  });

  let openedBefore = false;
  try { openedBefore = window.sessionStorage.getItem(PREFIX + "open") === "1"; } catch (e) { /* no */ }
  if (opt("open") === "true" || openedBefore) {
    setOpen(true);
  } else if (token || queue.length) {
    ensureConnected(); // a returning visitor hears replies (unread badge) without opening the panel
  }

  window.HubWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!isOpen); },
    send: function (text) { return sendText(text); },
    get state() { return state; },
    get visitorId() { return visitorId; },
  };
})();
