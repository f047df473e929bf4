/* The agent inbox: conversation list, the client's unified timeline, the client card, replies and notes, live
 * through the /agent Socket.IO namespace.
 *
 * Safety rule: every text that comes from a customer, a user or a file (messages, names, file names, fields) is
 * put into the page as text (HubDom.h → createTextNode / textContent). The single exception is entry.html, the
 * HTML of an e-mail, which the server has cleaned with nh3: it is shown only inside
 * <iframe sandbox="" srcdoc=...> (no scripts, an opaque origin, no forms, no popups, and the page's CSP inherited),
 * see emailFrame(). No innerHTML anywhere.
 */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { h, append, safeHref, initials } = window.HubDom;
  /** Replace an element's children; null/false children are skipped (replaceChildren would print "null"). */
  const fill = (el, ...children) => {
    el.replaceChildren();
    append(el, children);
  };
  const I18N = window.HubI18n;
  const t = (key, vars) => I18N.t(key, vars);
  // a system entry of routing or assignment is a code and params: shown in the reader's language
  const systemText = (entry) => {
    const code = entry.kind === "system" && entry.meta && entry.meta.code;
    if (!code || t(`system.${code}`) === `system.${code}`) return entry.text;
    const params = { ...(entry.meta.params || {}) };
    for (const key of ["policy", "priority"]) if (params[key]) params[key] = t(`system.word.${params[key]}`);
    return t(`system.${code}`, params);
  };
  const config = JSON.parse(document.getElementById("hub-config").textContent);
  const me = config.user;
  // what the user may see is decided by the server (it pushes and lists only that); these only pick the tabs
  let seesAll = Boolean(config.sees_everything);
  let myDepartments = me.department_ids || [];
  const EMAIL_CSS = new URL("/static/email-frame.css", window.location.href).href;
  const PAGE = 50;

  const $ = (id) => document.getElementById(id);
  const els = {
    conn: $("conn-status"),
    tabs: $("tabs"),
    status: $("status-filter"),
    list: $("conversation-list"),
    listEmpty: $("list-empty"),
    listMore: $("list-more"),
    placeholder: $("conv-placeholder"),
    conv: $("conv"),
    title: $("conv-title"),
    badges: $("conv-badges"),
    assignMe: $("act-assign-me"),
    assignee: $("act-assignee"),
    department: $("act-department"),
    toBot: $("act-bot"),
    toHuman: $("act-human"),
    resolve: $("act-resolve"),
    reopen: $("act-reopen"),
    scroll: $("timeline-scroll"),
    timeline: $("timeline"),
    timelineMore: $("timeline-more"),
    typing: $("typing"),
    composer: $("composer"),
    text: $("composer-text"),
    hint: $("composer-hint"),
    send: $("composer-send"),
    composerError: $("composer-error"),
    mentionMenu: $("mention-menu"),
    card: $("client-card"),
    bell: $("bell"),
    bellCount: $("bell-count"),
    bellMenu: $("bell-menu"),
    bellList: $("bell-list"),
    bellEmpty: $("bell-empty"),
    bellClear: $("bell-clear"),
    meName: $("me-name"),
    logout: $("logout"),
  };

  const state = {
    tab: null,
    status: "open",
    conversations: new Map(),
    listCursor: null,
    listSeq: 0,
    clients: new Map(),
    clientRequests: new Map(),
    clientConversations: [],
    users: [],
    departments: [],
    openId: null,
    openClientId: null,
    openSeq: 0,
    entries: new Map(),
    entryEls: new Map(),
    timelineCursor: null,
    mode: "reply",
    drafts: new Map(),
    notifications: [],
    typing: new Map(),
    typingSentAt: 0,
    typingTimer: null,
    mention: null,
    socket: null,
    connectedOnce: false,
    readTimer: null,
    syncs: 0,
  };

  // --- REST ----------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError(0, "network", t("error.network"));
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401) {
      window.location.assign("/login");
      throw new ApiError(401, "unauthorized", t("error.session"));
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText);
    }
    return data;
  }

  const enc = encodeURIComponent;

  function errorText(err) {
    if (err && err.status === 403) return t("error.forbidden");
    if (err && err.status === 0) return t("error.network");
    if (err && err.status === 409) return t("error.conflict");
    return err && err.message ? `${t("error.generic")} ${err.message}` : t("error.generic");
  }

  let toastBox = null;
  function toast(text) {
    if (!toastBox) {
      toastBox = h("div", { className: "toasts", role: "status" });
      document.body.append(toastBox);
    }
    const item = h("div", { className: "toast" }, text);
    toastBox.append(item);
    setTimeout(() => item.remove(), 5000);
  }

  // --- small renderers -----------------------------------------------------------------------------------------

  function translatedOr(key, fallback) {
    const text = t(key);
    return text === key ? fallback : text;
  }

  const channelLabel = (channel) => translatedOr(`channel.${channel}`, channel);

  function channelBadge(channel) {
    return h("span", { className: `badge channel channel-${/^[a-z0-9_-]+$/.test(channel) ? channel : "other"}`,
      dataset: { channel } }, channelLabel(channel));
  }

  const botBadge = () => h("span", { className: "badge bot-badge", dataset: { handler: "bot" } }, t("badge.bot"));

  function statusChip(status) {
    return h("span", { className: `badge status status-${status}`, dataset: { status } }, t(`status.${status}`));
  }

  function clientName(client) {
    if (!client) return "…";
    if (client.name) return client.name;
    const first = (client.identities || [])[0];
    if (!first) return t("client.unnamed");
    // an anonymous web chat visitor: a readable, stable name instead of a raw id
    if (first.kind === "webchat") return t("client.visitor", { n: visitorNumber(first.value) });
    return first.value;
  }

  function visitorNumber(value) {
    let hash = 0;
    for (const ch of String(value)) hash = (hash * 31 + ch.codePointAt(0)) % 9000;
    return 1000 + hash;
  }

  function userName(id) {
    const user = state.users.find((u) => u.id === id);
    return user ? user.name : t("user.unknown");
  }

  function locale() {
    return I18N.language === "ru" ? "ru-RU" : "en-GB";
  }

  function formatTime(iso) {
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

  function formatFull(iso) {
    return iso ? new Date(iso).toLocaleString(locale()) : "";
  }

  function formatSize(bytes) {
    if (typeof bytes !== "number") return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function nameHandle(name) {
    return String(name || "").trim().toLowerCase().replace(/[^\p{L}\p{N}_.-]+/gu, "-").replace(/^-+|-+$/g, "");
  }

  const emailHandle = (email) => String(email || "").split("@")[0].toLowerCase();

  // --- conversation list ---------------------------------------------------------------------------------------

  const TABS = {
    mine: { shown: () => true, match: (c) => c.assignee_id === me.id, queries: () => [{ assignee: "me" }] },
    unassigned: { shown: () => true, match: (c) => !c.assignee_id, queries: () => [{ assignee: "none" }] },
    department: {
      shown: () => myDepartments.length > 0,
      match: (c) => Boolean(c.department_id) && myDepartments.includes(c.department_id),
      queries: () => myDepartments.map((id) => ({ department: id })),
    },
    all: { shown: () => seesAll, match: () => true, queries: () => [{}] },
  };

  function inCurrentList(c) {
    return TABS[state.tab].match(c) && (!state.status || c.status === state.status);
  }

  const activity = (c) => Date.parse(c.last_message_at || c.created_at) || 0;

  function byActivity(a, b) {
    return activity(b) - activity(a) || (a.id < b.id ? 1 : -1);
  }

  function upsertConversation(c) {
    if (!c || !c.id) return;
    const known = state.conversations.get(c.id);
    // a list fetched before a live update may answer after it: never let an older copy win
    if (known && Date.parse(known.updated_at) > Date.parse(c.updated_at)) return;
    state.conversations.set(c.id, c);
    if (!state.clients.has(c.client_id)) ensureClient(c.client_id);
    if (c.id === state.openId) renderHeader();
    scheduleListRender();
  }

  let listRenderQueued = false;
  function scheduleListRender() {
    if (listRenderQueued) return;
    listRenderQueued = true;
    queueMicrotask(() => {
      listRenderQueued = false;
      renderList();
    });
  }

  function renderTabs() {
    for (const button of els.tabs.querySelectorAll("[data-tab]")) {
      const tab = button.dataset.tab;
      button.hidden = !TABS[tab].shown();
      const active = tab === state.tab;
      button.classList.toggle("active", active);
      button.setAttribute("aria-selected", String(active));
    }
  }

  function renderList() {
    const items = [...state.conversations.values()].filter(inCurrentList).sort(byActivity);
    els.list.replaceChildren(...items.map(renderListItem));
    els.listEmpty.hidden = items.length > 0;
    const unread = items.reduce((sum, c) => sum + (c.unread > 0 ? 1 : 0), 0);
    document.title = `${unread ? `(${unread}) ` : ""}${t("page.inbox")} · ${t("app.name")}`;
  }

  function renderListItem(c) {
    const client = state.clients.get(c.client_id);
    const name = clientName(client);
    const open = () => openConversation(c.id);
    return h(
      "li",
      {
        className: `conv-item${c.id === state.openId ? " active" : ""}${c.unread > 0 ? " has-unread" : ""}`,
        dataset: { conversationId: c.id, status: c.status, handler: c.handler },
        tabindex: 0,
        role: "button",
        onclick: open,
        onkeydown: (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            open();
          }
        },
      },
      h("span", { className: "avatar", "aria-hidden": "true" }, initials(name)),
      h(
        "div",
        { className: "conv-item-body" },
        h(
          "div",
          { className: "conv-item-row" },
          h("span", { className: "conv-item-name" }, name),
          h("time", { className: "conv-item-time", datetime: c.last_message_at || c.created_at },
            formatTime(c.last_message_at || c.created_at)),
        ),
        h(
          "div",
          { className: "conv-item-row" },
          h("span", { className: "conv-item-preview" }, c.last_message_preview || c.subject || ""),
          c.unread > 0
            ? h("span", { className: "unread-badge", dataset: { unread: c.unread }, title: t("list.unread") },
              c.unread > 99 ? "99+" : c.unread)
            : null,
        ),
        h(
          "div",
          { className: "conv-item-tags" },
          channelBadge(c.channel),
          c.handler === "bot" ? botBadge() : null,
          c.status !== "open" ? statusChip(c.status) : null,
          c.assignee_id
            ? h("span", { className: "conv-item-assignee" },
              c.assignee_id === me.id ? t("list.assigned_me") : userName(c.assignee_id))
            : null,
        ),
      ),
    );
  }

  async function loadList({ more = false } = {}) {
    const seq = ++state.listSeq;
    const queries = TABS[state.tab].queries();
    const cursor = more ? state.listCursor : null;
    let pages;
    try {
      pages = await Promise.all(queries.map((query) => {
        const params = new URLSearchParams({ ...query, limit: String(PAGE) });
        if (state.status) params.set("status", state.status);
        if (cursor) params.set("cursor", cursor);
        return api("GET", `/api/v1/conversations?${params}`);
      }));
    } catch (err) {
      if (seq === state.listSeq) toast(errorText(err));
      return;
    }
    if (seq !== state.listSeq) return;
    if (!more) {
      // what the server says replaces what this tab showed (a reconnect may have missed changes)
      for (const c of [...state.conversations.values()]) {
        if (c.id !== state.openId && inCurrentList(c)) state.conversations.delete(c.id);
      }
    }
    for (const page of pages) {
      for (const [id, client] of Object.entries(page.clients || {})) state.clients.set(id, client);
      for (const c of page.items) upsertConversation(c);
    }
    state.listCursor = queries.length === 1 ? pages[0].next_cursor : null;
    els.listMore.hidden = !state.listCursor;
    renderList();
  }

  function selectTab(tab) {
    if (!TABS[tab] || !TABS[tab].shown()) return;
    state.tab = tab;
    try {
      localStorage.setItem("hub.tab", tab);
    } catch {
      /* ignore */
    }
    renderTabs();
    renderList();
    loadList();
  }

  function ensureClient(id) {
    if (!id || state.clients.has(id) || state.clientRequests.has(id)) return state.clientRequests.get(id);
    const request = api("GET", `/api/v1/clients/${enc(id)}`)
      .then((client) => {
        state.clients.set(client.id, client);
        scheduleListRender();
        if (state.openClientId === client.id) {
          renderHeader();
          renderCard();
        }
      })
      .catch(() => {})
      .finally(() => state.clientRequests.delete(id));
    state.clientRequests.set(id, request);
    return request;
  }

  // --- the open conversation -----------------------------------------------------------------------------------

  function joinRoom(id) {
    if (state.socket && state.socket.connected) state.socket.emit("join", { conversation_id: id }, () => {});
  }

  function leaveRoom(id) {
    if (state.socket && state.socket.connected) state.socket.emit("leave", { conversation_id: id });
  }

  async function openConversation(id, focusEntryId) {
    if (state.openId && state.openId !== id) {
      stopTyping();
      state.drafts.set(state.openId, els.text.value);
      leaveRoom(state.openId);
      state.typing.clear();
      renderTyping();
    }
    const switching = state.openId !== id;
    const seq = ++state.openSeq;
    state.openId = id;
    try {
      window.history.replaceState(null, "", `#c=${enc(id)}`);
    } catch {
      /* ignore */
    }
    els.placeholder.hidden = true;
    els.conv.hidden = false;
    if (switching) {
      els.text.value = state.drafts.get(id) || "";
      els.composerError.textContent = "";
      closeMentions();
    }
    renderList();
    renderHeader();
    let conversation;
    try {
      conversation = await api("GET", `/api/v1/conversations/${enc(id)}`);
    } catch (err) {
      if (seq === state.openSeq) {
        toast(errorText(err));
        if (err.status === 404) closeConversation();
      }
      return;
    }
    if (seq !== state.openSeq) return;
    upsertConversation(conversation);
    state.conversations.set(conversation.id, conversation);
    if (state.openClientId !== conversation.client_id) {
      state.openClientId = conversation.client_id;
      state.clientConversations = [];
      renderCard();
    }
    resetTimeline();
    renderHeader();
    joinRoom(id);
    await Promise.all([loadClientCard(seq), loadTimeline(seq)]);
    if (seq !== state.openSeq) return;
    if (focusEntryId) {
      const el = state.entryEls.get(focusEntryId);
      if (el) {
        el.scrollIntoView({ block: "center" });
        el.classList.add("flash");
        setTimeout(() => el.classList.remove("flash"), 2500);
      }
    }
    markReadSoon();
  }

  function closeConversation() {
    if (state.openId) leaveRoom(state.openId);
    state.openId = null;
    state.openClientId = null;
    resetTimeline();
    els.conv.hidden = true;
    els.placeholder.hidden = false;
    els.card.replaceChildren();
    renderList();
  }

  function openConversationRecord() {
    return state.openId ? state.conversations.get(state.openId) : null;
  }

  function fillSelect(select, options, value) {
    select.replaceChildren(...options.map(([id, label]) => h("option", { value: id }, label)));
    if (!options.some(([id]) => id === value)) select.append(h("option", { value }, "…"));
    select.value = value;
  }

  function renderHeader() {
    const c = openConversationRecord();
    if (!c) return;
    const client = state.clients.get(c.client_id);
    els.title.textContent = clientName(client);
    fill(
      els.badges,
      channelBadge(c.channel),
      statusChip(c.status),
      c.handler === "bot" ? botBadge() : null,
      c.subject ? h("span", { className: "conv-subject" }, c.subject) : null,
    );
    els.assignMe.hidden = c.assignee_id === me.id;
    const staff = state.users.filter((u) => u.active && u.role !== "partner");
    fillSelect(els.assignee, [["", t("act.unassigned")], ...staff.map((u) => [u.id, u.name])], c.assignee_id || "");
    fillSelect(els.department, [["", t("act.no_department")], ...state.departments.map((d) => [d.id, d.name])],
      c.department_id || "");
    // no bot flow answers on this channel: handing it "back to the bot" would be silence, so there is no button
    els.toBot.hidden = c.handler !== "human" || !(config.bot_channels || []).includes(c.channel);
    els.toHuman.hidden = c.handler !== "bot";
    els.resolve.hidden = c.status === "resolved";
    els.reopen.hidden = c.status !== "resolved";
    renderComposerMode();
  }

  async function patchConversation(changes) {
    const id = state.openId;
    if (!id) return;
    const buttons = els.conv.querySelectorAll(".conv-actions button, .conv-actions select");
    for (const b of buttons) b.disabled = true;
    try {
      upsertConversation(await api("PATCH", `/api/v1/conversations/${enc(id)}`, changes));
    } catch (err) {
      toast(errorText(err));
      renderHeader();
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  function markReadSoon() {
    clearTimeout(state.readTimer);
    state.readTimer = setTimeout(async () => {
      const c = openConversationRecord();
      if (!c || c.unread <= 0 || document.visibilityState !== "visible") return;
      try {
        upsertConversation(await api("POST", `/api/v1/conversations/${enc(c.id)}/read`));
      } catch {
        /* the badge stays; not worth a message */
      }
    }, 300);
  }

  // --- client card ---------------------------------------------------------------------------------------------

  async function loadClientCard(seq) {
    const clientId = state.openClientId;
    try {
      const [client, conversations] = await Promise.all([
        api("GET", `/api/v1/clients/${enc(clientId)}`),
        api("GET", `/api/v1/clients/${enc(clientId)}/conversations`),
      ]);
      if (seq !== state.openSeq) return;
      state.clients.set(client.id, client);
      state.clientConversations = conversations.items;
      for (const c of conversations.items) state.conversations.set(c.id, c);
      scheduleListRender();
      renderHeader();
      renderCard();
    } catch (err) {
      if (seq === state.openSeq) toast(errorText(err));
    }
  }

  function cardSection(titleKey, ...content) {
    return h("section", { className: "card-section" }, h("h3", {}, t(titleKey)), ...content);
  }

  function renderCard() {
    const client = state.clients.get(state.openClientId);
    if (!client) {
      els.card.replaceChildren();
      return;
    }
    const name = clientName(client);
    const channels = new Set(state.clientConversations.map((c) => c.channel));
    for (const entry of state.entries.values()) if (entry.kind !== "note" && entry.channel !== "internal") channels.add(entry.channel);
    const fields = Object.entries(client.fields || {});
    const conversations = [...state.clientConversations].sort(byActivity);
    els.card.replaceChildren(
      h(
        "div",
        { className: "card-head" },
        h("span", { className: "avatar avatar-lg", "aria-hidden": "true" }, initials(name)),
        h("div", {}, h("h2", { className: "card-name", id: "card-name" }, name),
          h("span", { className: "card-kind" }, t(`kind.${client.kind}`))),
      ),
      cardSection(
        "card.contacts",
        client.identities.length
          ? h("ul", { className: "identities" }, client.identities.map((i) =>
            h("li", { dataset: { kind: i.kind } }, h("span", { className: "identity-kind" }, translatedOr(`identity.${i.kind}`, i.kind)),
              h("span", { className: "identity-value" }, i.value))))
          : h("p", { className: "muted" }, t("card.none")),
      ),
      cardSection("card.channels", h("div", { className: "chips" }, [...channels].sort().map(channelBadge))),
      cardSection(
        "card.fields",
        fields.length
          ? h("dl", { className: "fields" }, fields.map(([key, value]) => [h("dt", {}, key),
            h("dd", {}, value === null ? "—" : typeof value === "boolean" ? t(value ? "card.yes" : "card.no") : String(value))]))
          : h("p", { className: "muted" }, t("card.none")),
      ),
      cardSection(
        "card.tags",
        client.tags.length
          ? h("div", { className: "chips" }, client.tags.map((tag) => h("span", { className: "tag" }, tag)))
          : h("p", { className: "muted" }, t("card.none")),
      ),
      cardSection(
        "card.conversations",
        h("ul", { className: "card-conversations" }, conversations.map((c) =>
          h("li", {},
            h("button", { type: "button", className: `link-btn${c.id === state.openId ? " current" : ""}`,
              onclick: () => openConversation(c.id) },
            channelBadge(c.channel), " ", statusChip(c.status), " ",
            h("span", { className: "muted" }, formatTime(c.last_message_at || c.created_at)))))),
      ),
    );
  }

  // --- timeline ------------------------------------------------------------------------------------------------

  function resetTimeline() {
    state.entries.clear();
    state.entryEls.clear();
    state.timelineCursor = null;
    els.timeline.replaceChildren();
    els.timelineMore.hidden = true;
  }

  function compareEntries(a, b) {
    return (Date.parse(a.occurred_at) - Date.parse(b.occurred_at)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  function nearBottom() {
    const s = els.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  function scrollToBottom() {
    els.scroll.scrollTop = els.scroll.scrollHeight;
  }

  async function loadTimeline(seq, { older = false } = {}) {
    const clientId = state.openClientId;
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (older && state.timelineCursor) params.set("cursor", state.timelineCursor);
    let data;
    try {
      data = await api("GET", `/api/v1/clients/${enc(clientId)}/timeline?${params}`);
    } catch (err) {
      if (seq === state.openSeq) toast(errorText(err));
      return;
    }
    if (seq !== state.openSeq) return;
    const fromBottom = els.scroll.scrollHeight - els.scroll.scrollTop;
    state.timelineCursor = data.next_cursor;
    els.timelineMore.hidden = !data.next_cursor;
    for (const entry of data.items) upsertEntry(entry, { scroll: false });
    if (older) els.scroll.scrollTop = els.scroll.scrollHeight - fromBottom;
    else scrollToBottom();
    renderCard();
  }

  /** Add or replace an entry of the open client's timeline, by id: an entry never shows twice. */
  function upsertEntry(entry, { scroll = true } = {}) {
    if (!entry || entry.client_id !== state.openClientId) return;
    const known = state.entries.get(entry.id);
    if (known && known.delivery && entry.delivery
      && Date.parse(known.delivery.updated_at) > Date.parse(entry.delivery.updated_at)) {
      // events and the POST answer may arrive out of order: never step back from "sent" to "queued"
      entry = { ...entry, delivery: known.delivery };
    }
    const stick = nearBottom();
    state.entries.set(entry.id, entry);
    const el = renderEntry(entry);
    const old = state.entryEls.get(entry.id);
    state.entryEls.set(entry.id, el);
    if (old) {
      old.replaceWith(el);
      return;
    }
    let after = els.timeline.lastElementChild;
    while (after && compareEntries(state.entries.get(after.dataset.entryId), entry) > 0) {
      after = after.previousElementSibling;
    }
    if (after) after.after(el);
    else els.timeline.prepend(el);
    if (scroll && (stick || (entry.author && entry.author.id === me.id))) scrollToBottom();
  }

  function rerenderTimeline() {
    for (const [id, entry] of state.entries) {
      const el = renderEntry(entry);
      state.entryEls.get(id).replaceWith(el);
      state.entryEls.set(id, el);
    }
  }

  function entryClass(entry) {
    if (entry.kind === "note") return "note";
    if (entry.kind === "system" || entry.direction === "internal") return "system";
    return entry.direction === "in" ? "in" : "out";
  }

  function authorName(entry) {
    const author = entry.author || {};
    if (author.name) return author.name;
    return translatedOr(`author.${author.type}`, author.type || "");
  }

  /** Text with @mentions highlighted — built from text nodes and spans, never parsed as HTML. */
  function withMentions(text) {
    const parts = [];
    const pattern = /(^|[^\p{L}\p{N}_@.])(@[\p{L}\p{N}_][\p{L}\p{N}_.-]*)/gu;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index + match[1].length;
      parts.push(text.slice(last, start), h("span", { className: "mention" }, match[2]));
      last = start + match[2].length;
    }
    parts.push(text.slice(last));
    return parts.filter((p) => p !== "");
  }

  /**
   * The one place message HTML reaches the page: entry.html, already cleaned by nh3 on the server, inside an
   * iframe with sandbox="" (scripts, same-origin access, forms, popups and top navigation all off). The srcdoc
   * document inherits this page's Content-Security-Policy, so remote images and inline scripts stay blocked too.
   */
  function emailFrame(sanitizedHtml) {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.className = "email-frame";
    frame.title = t("entry.html_title");
    frame.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${EMAIL_CSS}"></head><body>${sanitizedHtml}</body></html>`;
    return frame;
  }

  function htmlBlock(entry) {
    if (!entry.html) return null;
    const wrap = h("div", { className: "email-html" });
    const showFrame = !entry.text;
    const toggle = h("button", { type: "button", className: "link-btn email-toggle" });
    let frame = null;
    const textEl = () => wrap.parentElement && wrap.parentElement.querySelector(".entry-text");
    function set(formatted) {
      toggle.textContent = t(formatted ? "entry.show_text" : "entry.show_formatted");
      if (formatted && !frame) {
        frame = emailFrame(entry.html);
        // a sandboxed frame cannot be measured from here: size it by the length of the text it shows
        const text = entry.text || entry.html.replace(/<[^>]*>/g, " ");
        const lines = text.split("\n").length + Math.ceil(text.length / 80);
        frame.style.height = `${Math.min(420, Math.max(90, 30 + lines * 22))}px`;
        wrap.append(frame);
      }
      if (frame) frame.hidden = !formatted;
      const plain = textEl();
      if (plain) plain.hidden = formatted;
      wrap.dataset.formatted = String(formatted);
    }
    toggle.addEventListener("click", () => set(wrap.dataset.formatted !== "true"));
    wrap.append(toggle);
    queueMicrotask(() => set(showFrame));
    return wrap;
  }

  function attachmentsBlock(entry) {
    if (!entry.attachments || !entry.attachments.length) return null;
    return h("ul", { className: "attachments" }, entry.attachments.map((a) => {
      const href = a.url ? safeHref(a.url) : null;
      const label = [a.name || t("entry.attachment"), formatSize(a.size)].filter(Boolean).join(" · ");
      return h("li", { className: "attachment" }, href
        ? h("a", { href, download: a.name || true, rel: "noopener noreferrer", target: "_blank" }, label)
        : h("span", {}, label));
    }));
  }

  function deliveryBlock(entry) {
    if (entry.direction !== "out" || !entry.delivery) return null;
    const d = entry.delivery;
    const labels = { sent: ["✓", "delivery.sent"], failed: ["⚠", "delivery.failed"],
      queued: ["◷", d.attempts > 0 ? "delivery.retrying" : "delivery.queued"] };
    const [icon, key] = labels[d.status] || ["", d.status];
    return h(
      "div",
      { className: `delivery delivery-${d.status}`, dataset: { status: d.status } },
      h(
        "div",
        { className: "delivery-row" },
        h("span", { className: "delivery-label" }, `${icon} ${translatedOr(key, d.status)}`),
        d.status === "failed"
          ? h("button", { type: "button", className: "btn btn-small retry",
            onclick: (e) => retry(entry.id, e.currentTarget) }, t("delivery.retry"))
          : null,
      ),
      d.error && d.status !== "sent" ? h("div", { className: "delivery-reason" }, d.error) : null,
    );
  }

  async function retry(entryId, button) {
    button.disabled = true;
    try {
      upsertEntry(await api("POST", `/api/v1/entries/${enc(entryId)}/retry`));
    } catch (err) {
      toast(errorText(err));
      button.disabled = false;
    }
  }

  function renderEntry(entry) {
    const kind = entryClass(entry);
    const other = entry.conversation_id && entry.conversation_id !== state.openId;
    const edited = entry.meta && Array.isArray(entry.meta.edits) && entry.meta.edits.length > 0;
    const authorType = entry.author ? entry.author.type : "";
    return h(
      "li",
      {
        className: `entry entry-${kind}${other ? " other-conversation" : ""}`,
        dataset: { entryId: entry.id, kind: entry.kind, direction: entry.direction, channel: entry.channel,
          authorType },
      },
      h(
        "div",
        { className: "entry-meta" },
        kind === "note" ? h("span", { className: "badge note-badge" }, t("entry.note")) : channelBadge(entry.channel),
        authorType === "bot" ? botBadge() : null,
        h("span", { className: "entry-author" }, authorName(entry)),
        entry.kind === "call" ? h("span", { className: "badge call-badge" }, t("entry.call")) : null,
        h("time", { datetime: entry.occurred_at, title: formatFull(entry.occurred_at) }, formatTime(entry.occurred_at)),
        edited ? h("span", { className: "muted" }, t("entry.edited")) : null,
      ),
      h(
        "div",
        { className: "bubble" },
        entry.text ? h("div", { className: "entry-text" }, kind === "note" ? withMentions(entry.text) : systemText(entry)) : null,
        htmlBlock(entry),
        entry.kind === "call" ? callBlock(entry) : null,
        attachmentsBlock(entry),
      ),
      deliveryBlock(entry),
    );
  }

  // --- calls: the state of a call entry, and the screen pop banner ------------------------------------------------

  function callBlock(entry) {
    const call = (entry.meta && entry.meta.call) || {};
    const parts = [];
    if (call.status) parts.push(translatedOr(`call.status_${call.status}`, call.status));
    if (call.answered_by) parts.push(t("call.answered_by", { name: call.answered_by }));
    if (Number.isInteger(call.duration) && call.duration > 0) {
      parts.push(t("call.duration", { minutes: Math.floor(call.duration / 60), seconds: call.duration % 60 }));
    }
    const link = /^https?:\/\//.test(call.recording_url || "")
      ? h("a", { href: call.recording_url, target: "_blank", rel: "noopener noreferrer" }, t("call.recording"))
      : null;
    return h("div", { className: "call-state muted", dataset: { status: call.status || "" } }, parts.join(" · "), " ", link);
  }

  const callBanners = new Map();
  let callBannerBox = null;

  function showCallBanner(data) {
    if (!data || !data.entry_id || callBanners.has(data.entry_id)) return;
    if (!callBannerBox) {
      callBannerBox = h("div", { className: "call-banners", role: "alert" });
      document.body.append(callBannerBox);
    }
    const call = data.call || {};
    const who = data.known && data.client && data.client.name ? data.client.name : t("call.unknown_caller");
    const banner = h(
      "div",
      { className: "call-banner", dataset: { entryId: data.entry_id } },
      h("strong", {}, t("call.incoming")), " ", who, " ", h("span", { className: "muted" }, call.number || ""), " ",
      h("button", { type: "button", onclick: () => { hideCallBanner(data.entry_id); openConversation(data.conversation_id); } },
        data.known ? t("call.open_card") : t("call.create_client")),
      h("button", { type: "button", onclick: () => hideCallBanner(data.entry_id) }, t("call.dismiss")),
    );
    callBanners.set(data.entry_id, banner);
    callBannerBox.append(banner);
  }

  function hideCallBanner(entryId) {
    const banner = callBanners.get(entryId);
    if (banner) banner.remove();
    callBanners.delete(entryId);
  }

  // --- composer: replies, notes, mentions, typing --------------------------------------------------------------

  function renderComposerMode() {
    // a phone conversation is calls: no text reply box, notes only (the hint says to call back)
    const phone = (openConversationRecord() || {}).channel === "phone";
    if (phone && state.mode === "reply") state.mode = "note";
    els.composer.dataset.mode = state.mode;
    for (const b of els.composer.querySelectorAll(".composer-modes [data-mode]")) {
      const active = b.dataset.mode === state.mode;
      b.classList.toggle("active", active);
      b.setAttribute("aria-selected", String(active));
      if (b.dataset.mode === "reply") b.hidden = phone;
    }
    const c = openConversationRecord();
    if (state.mode === "note") {
      els.hint.textContent = phone ? t("composer.phone_hint") : t("composer.note_hint");
      els.text.placeholder = t("composer.note_placeholder");
      els.send.textContent = t("composer.add_note");
    } else {
      els.hint.textContent = c ? t("composer.reply_hint", { channel: channelLabel(c.channel) }) : "";
      els.text.placeholder = t("composer.reply_placeholder");
      els.send.textContent = t("composer.send");
    }
  }

  function setMode(mode) {
    if (state.mode === "reply" && mode !== "reply") stopTyping();
    state.mode = mode;
    closeMentions();
    renderComposerMode();
    els.text.focus();
  }

  async function submit() {
    const id = state.openId;
    const text = els.text.value.trim();
    if (!id || !text) return;
    els.send.disabled = true;
    els.composerError.textContent = "";
    const path = state.mode === "note" ? "notes" : "replies";
    try {
      const entry = await api("POST", `/api/v1/conversations/${enc(id)}/${path}`, { text });
      if (state.openId === id) {
        els.text.value = "";
        state.drafts.delete(id);
        upsertEntry(entry);
        scrollToBottom();
      }
      stopTyping();
    } catch (err) {
      els.composerError.textContent = errorText(err);
    } finally {
      els.send.disabled = false;
      closeMentions();
    }
  }

  function emitTyping(on) {
    if (state.socket && state.socket.connected && state.openId) {
      state.socket.emit("typing", { conversation_id: state.openId, on });
    }
  }

  function onTypingInput() {
    if (state.mode !== "reply" || !state.openId) return;
    const now = Date.now();
    if (now - state.typingSentAt > 3000) {
      state.typingSentAt = now;
      emitTyping(true);
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, 4000);
  }

  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingSentAt) {
      emitTyping(false);
      state.typingSentAt = 0;
    }
  }

  function renderTyping() {
    const names = [...state.typing.values()].filter((v) => v.conversationId === state.openId).map((v) => v.name);
    els.typing.textContent = names.length === 0 ? ""
      : names.length === 1 ? t("typing.one", { name: names[0] }) : t("typing.many", { names: names.join(", ") });
  }

  function onTypingEvent(data) {
    if (!data || !data.author) return;
    if (data.author.type === "user" && data.author.id === me.id) return;
    const key = `${data.conversation_id}:${data.author.type}:${data.author.id || data.author.name}`;
    const previous = state.typing.get(key);
    if (previous) clearTimeout(previous.timer);
    if (data.on) {
      const name = data.author.name || translatedOr(`author.${data.author.type}`, data.author.type);
      const timer = setTimeout(() => {
        state.typing.delete(key);
        renderTyping();
      }, 7000);
      state.typing.set(key, { conversationId: data.conversation_id, name, timer, author: data.author });
    } else {
      state.typing.delete(key);
    }
    renderTyping();
  }

  function clearTypingOf(entry) {
    for (const [key, v] of state.typing) {
      if (v.conversationId === entry.conversation_id && v.author.type === entry.author.type
        && (v.author.id || v.author.name) === (entry.author.id || entry.author.name)) {
        clearTimeout(v.timer);
        state.typing.delete(key);
      }
    }
    renderTyping();
  }

  function mentionCandidates() {
    const people = state.users
      .filter((u) => u.active && u.role !== "partner" && u.id !== me.id)
      .map((u) => ({ handle: emailHandle(u.email), alt: nameHandle(u.name), label: u.name, kind: "user" }));
    const teams = state.departments.map((d) => ({ handle: nameHandle(d.name), alt: "", label: d.name, kind: "department" }));
    return [...people, ...teams];
  }

  function mentionQuery() {
    const caret = els.text.selectionStart;
    if (caret !== els.text.selectionEnd) return null;
    const match = /(^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}_.-]*)$/u.exec(els.text.value.slice(0, caret));
    return match ? { start: caret - match[2].length - 1, end: caret, query: match[2].toLowerCase() } : null;
  }

  function updateMentions() {
    const query = state.mode === "note" ? mentionQuery() : null;
    if (!query) {
      closeMentions();
      return;
    }
    const q = query.query;
    const found = mentionCandidates()
      .filter((c) => c.handle.startsWith(q) || (c.alt && c.alt.startsWith(q)) || c.label.toLowerCase().includes(q))
      .slice(0, 8);
    if (!found.length) {
      closeMentions();
      return;
    }
    state.mention = { ...query, items: found, active: 0 };
    renderMentions();
  }

  function renderMentions() {
    const m = state.mention;
    els.mentionMenu.replaceChildren(...m.items.map((c, i) => h(
      "li",
      {
        role: "option",
        className: i === m.active ? "active" : "",
        "aria-selected": String(i === m.active),
        dataset: { handle: c.handle, kind: c.kind },
        onmousedown: (e) => {
          e.preventDefault();
          chooseMention(i);
        },
      },
      h("span", { className: "mention-handle" }, `@${c.handle}`),
      h("span", { className: "mention-label" }, c.label),
      h("span", { className: "mention-kind" }, t(`mention.${c.kind}`)),
    )));
    els.mentionMenu.hidden = false;
  }

  function chooseMention(index) {
    const m = state.mention;
    if (!m) return;
    const chosen = m.items[index];
    els.text.setRangeText(`@${chosen.handle} `, m.start, m.end, "end");
    closeMentions();
    els.text.focus();
  }

  function closeMentions() {
    state.mention = null;
    els.mentionMenu.hidden = true;
    els.mentionMenu.replaceChildren();
  }

  // --- notifications -------------------------------------------------------------------------------------------

  const NOTES_KEY = `hub.notifications.${me.id}`;

  function loadNotifications() {
    try {
      const saved = JSON.parse(localStorage.getItem(NOTES_KEY) || "[]");
      if (Array.isArray(saved)) state.notifications = saved.slice(0, 50);
    } catch {
      state.notifications = [];
    }
  }

  function saveNotifications() {
    try {
      localStorage.setItem(NOTES_KEY, JSON.stringify(state.notifications.slice(0, 50)));
    } catch {
      /* ignore */
    }
  }

  const SYNCED_KEY = `hub.notifications.synced.${me.id}`;

  // The server keeps every mention (GET /api/v1/notifications); this device remembers which it has shown. Mentions
  // made since this device last asked are new (unread); on a device's first visit the older ones are history.
  async function syncNotifications() {
    let body;
    try {
      body = await api("GET", "/api/v1/notifications?limit=30");
    } catch {
      return;
    }
    const since = Number(localStorage.getItem(SYNCED_KEY) || 0);
    for (const item of [...body.items].reverse()) {
      addNotification(item, { read: !since || Date.parse(item.at) <= since, render: false });
    }
    state.notifications.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    try {
      localStorage.setItem(SYNCED_KEY, String(Date.now()));
    } catch {
      /* ignore */
    }
    saveNotifications();
    renderBell();
  }

  function addNotification(data, { read = false, render = true } = {}) {
    if (!data || !data.kind) return;
    const id = data.kind === "mention" ? `mention:${data.entry_id}` : `merge:${(data.suggestion && data.suggestion.id) || Date.now()}`;
    if (state.notifications.some((n) => n.id === id)) return;
    state.notifications.unshift({
      id,
      kind: data.kind,
      conversationId: data.conversation_id || null,
      entryId: data.entry_id || null,
      from: data.from || "",
      text: data.text || "",
      at: data.at || new Date().toISOString(),
      read,
    });
    state.notifications = state.notifications.slice(0, 50);
    if (!render) return;
    saveNotifications();
    renderBell();
  }

  function renderBell() {
    const unread = state.notifications.filter((n) => !n.read).length;
    els.bellCount.hidden = unread === 0;
    els.bellCount.textContent = unread > 99 ? "99+" : String(unread);
    els.bell.dataset.count = String(unread);
    els.bell.classList.toggle("lit", unread > 0);
    els.bellEmpty.hidden = state.notifications.length > 0;
    els.bellList.replaceChildren(...state.notifications.map((n) => h(
      "li",
      { className: n.read ? "" : "unread", dataset: { kind: n.kind, conversationId: n.conversationId || "" } },
      h(
        "button",
        { type: "button", onclick: () => openNotification(n) },
        h("span", { className: "bell-item-title" },
          n.kind === "mention" ? t("bell.mentioned", { name: n.from || "?" }) : t("bell.merge_suggested")),
        n.text ? h("span", { className: "bell-item-text" }, n.text) : null,
        h("time", { className: "muted", datetime: n.at }, formatTime(n.at)),
      ),
    )));
  }

  function openNotification(n) {
    n.read = true;
    saveNotifications();
    renderBell();
    toggleBell(false);
    if (n.conversationId) openConversation(n.conversationId, n.entryId);
  }

  function toggleBell(open) {
    const show = open === undefined ? els.bellMenu.hidden : open;
    els.bellMenu.hidden = !show;
    els.bell.setAttribute("aria-expanded", String(show));
  }

  // --- the socket ----------------------------------------------------------------------------------------------

  function setConnection(status) {
    els.conn.dataset.state = status;
    els.conn.textContent = t(`conn.${status}`);
  }

  /** After a reconnect: the list again from the server, and what the open conversation missed (merged by id). */
  async function resync() {
    loadList();
    const id = state.openId;
    if (!id) return;
    const seq = state.openSeq;
    const mine = [...state.entries.values()].filter((e) => e.conversation_id === id).sort(compareEntries);
    const last = mine[mine.length - 1];
    if (!last) {
      openConversation(id);
      return;
    }
    state.socket.emit("sync", { conversation_id: id, after: last.id }, (answer) => {
      if (seq !== state.openSeq || !answer || !answer.ok) return;
      for (const entry of answer.items) upsertEntry(entry);
      state.syncs += 1;
      document.body.dataset.syncs = String(state.syncs); // for tests: how many reconnect syncs completed
    });
    try {
      const c = await api("GET", `/api/v1/conversations/${enc(id)}`);
      upsertConversation(c);
      markReadSoon();
    } catch {
      /* the list reload shows what changed */
    }
  }

  function connectSocket() {
    if (typeof window.io !== "function") {
      setConnection("offline");
      toast(t("error.socket_missing"));
      return;
    }
    const socket = window.io("/agent", { withCredentials: true });
    state.socket = socket;
    socket.on("connect", () => {
      setConnection("live");
      if (state.openId) joinRoom(state.openId);
      if (state.connectedOnce) resync();
      state.connectedOnce = true;
      syncNotifications();
    });
    socket.on("disconnect", (reason) => {
      setConnection("offline");
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 2000);
    });
    socket.on("connect_error", async () => {
      setConnection("offline");
      if (socket.active) return; // the client retries by itself
      try {
        await api("GET", "/api/v1/me"); // redirects to /login when the session is over
        setTimeout(() => socket.connect(), 3000);
      } catch {
        /* redirected */
      }
    });
    socket.on("timeline:new", (data) => {
      if (!data || !data.entry) return;
      if (data.conversation) upsertConversation(data.conversation);
      if (data.entry.client_id === state.openClientId) {
        upsertEntry(data.entry);
        clearTypingOf(data.entry);
        if (!state.clientConversations.some((c) => c.id === data.entry.conversation_id) && data.conversation) {
          state.clientConversations.push(data.conversation);
          renderCard();
        }
      }
      if (data.entry.conversation_id === state.openId && data.entry.direction === "in") markReadSoon();
    });
    socket.on("timeline:updated", (data) => {
      if (data && data.entry && state.entries.has(data.entry.id)) upsertEntry(data.entry);
    });
    socket.on("conversation:updated", (data) => {
      if (!data || !data.conversation) return;
      upsertConversation(data.conversation);
      const i = state.clientConversations.findIndex((c) => c.id === data.conversation.id);
      if (i >= 0) {
        state.clientConversations[i] = data.conversation;
        renderCard();
      }
    });
    socket.on("conversation:removed", (data) => {
      // re-routed or re-assigned away from this user: the server sends no content any more, so drop it here
      if (!data || !data.conversation_id) return;
      state.conversations.delete(data.conversation_id);
      const i = state.clientConversations.findIndex((c) => c.id === data.conversation_id);
      if (i >= 0) state.clientConversations.splice(i, 1);
      if (state.openId === data.conversation_id) {
        closeConversation();
        toast(t("notice.conversation_removed"));
      }
      scheduleListRender();
    });
    socket.on("access:changed", (data) => {
      if (!data || !data.user) return;
      me.role = data.user.role;
      me.department_ids = data.user.department_ids || [];
      myDepartments = me.department_ids;
      seesAll = me.role === "admin" || me.role === "supervisor";
      state.conversations.clear();
      if (state.openId) closeConversation();
      renderTabs();
      loadList();
      toast(t("notice.access_changed"));
    });
    socket.on("notification", (data) => addNotification(data));
    socket.on("typing", onTypingEvent);
    socket.on("call:incoming", showCallBanner);
    socket.on("call:ended", (data) => data && hideCallBanner(data.entry_id));
    socket.on("client:updated", (data) => {
      if (!data || !data.client) return;
      state.clients.set(data.client.id, data.client);
      scheduleListRender();
      if (data.client.id === state.openClientId) {
        renderHeader();
        renderCard();
      }
    });
    socket.on("client:merged", (data) => {
      if (!data || !data.client) return;
      state.clients.delete(data.removed_id);
      state.clients.set(data.client.id, data.client);
      if (state.openClientId === data.removed_id || state.openClientId === data.client.id) {
        if (state.openId) openConversation(state.openId);
      }
      loadList();
    });
  }

  // --- wiring --------------------------------------------------------------------------------------------------

  function rerenderAll() {
    renderTabs();
    renderList();
    renderHeader();
    rerenderTimeline();
    renderCard();
    renderBell();
    renderTyping();
    renderComposerMode();
    setConnection(els.conn.dataset.state || "connecting");
  }

  function wire() {
    els.meName.textContent = me.name;
    els.tabs.addEventListener("click", (e) => {
      const button = e.target.closest("[data-tab]");
      if (button) selectTab(button.dataset.tab);
    });
    els.status.addEventListener("change", () => {
      state.status = els.status.value;
      renderList();
      loadList();
    });
    els.listMore.addEventListener("click", () => loadList({ more: true }));
    els.timelineMore.addEventListener("click", () => loadTimeline(state.openSeq, { older: true }));
    els.assignMe.addEventListener("click", () => patchConversation({ assignee_id: me.id }));
    els.assignee.addEventListener("change", () => patchConversation({ assignee_id: els.assignee.value || null }));
    els.department.addEventListener("change", () => patchConversation({ department_id: els.department.value || null }));
    els.toBot.addEventListener("click", () => patchConversation({ handler: "bot" }));
    els.toHuman.addEventListener("click", () => patchConversation({ handler: "human" }));
    els.resolve.addEventListener("click", () => patchConversation({ status: "resolved" }));
    els.reopen.addEventListener("click", () => patchConversation({ status: "open" }));

    for (const b of els.composer.querySelectorAll(".composer-modes [data-mode]")) {
      b.addEventListener("click", () => setMode(b.dataset.mode));
    }
    els.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    els.text.addEventListener("input", () => {
      onTypingInput();
      updateMentions();
    });
    els.text.addEventListener("click", updateMentions);
    els.text.addEventListener("blur", () => setTimeout(closeMentions, 150));
    els.text.addEventListener("keydown", (e) => {
      const m = state.mention;
      if (m) {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          m.active = (m.active + (e.key === "ArrowDown" ? 1 : m.items.length - 1)) % m.items.length;
          renderMentions();
          return;
        }
        if (e.key === "Enter" || e.key === "Tab") {
          e.preventDefault();
          chooseMention(m.active);
          return;
        }
        if (e.key === "Escape") {
          e.preventDefault();
          closeMentions();
          return;
        }
      }
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        submit();
      }
    });

    els.bell.addEventListener("click", (e) => {
      e.stopPropagation();
      toggleBell();
    });
    els.bellClear.addEventListener("click", () => {
      for (const n of state.notifications) n.read = true;
      saveNotifications();
      renderBell();
    });
    document.addEventListener("click", (e) => {
      if (!els.bellMenu.hidden && !els.bellMenu.contains(e.target)) toggleBell(false);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !els.bellMenu.hidden) toggleBell(false);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") markReadSoon();
    });
    els.logout.addEventListener("click", async () => {
      try {
        await api("POST", "/api/v1/auth/logout");
      } finally {
        if (state.socket) state.socket.disconnect();
        window.location.assign("/login");
      }
    });
    I18N.onChange(rerenderAll);
  }

  async function start() {
    wire();
    loadNotifications();
    renderBell();
    let saved = null;
    try {
      saved = localStorage.getItem("hub.tab");
    } catch {
      /* ignore */
    }
    state.tab = saved && TABS[saved] && TABS[saved].shown() ? saved : seesAll ? "all" : "unassigned";
    renderTabs();
    renderComposerMode();
    connectSocket();
    const [users, departments] = await Promise.all([
      api("GET", "/api/v1/users").catch(() => ({ items: [] })),
      api("GET", "/api/v1/departments").catch(() => ({ items: [] })),
    ]);
    state.users = users.items;
    state.departments = departments.items;
    await loadList();
    const fromHash = /^#c=([^&]+)/.exec(window.location.hash);
    if (fromHash) openConversation(decodeURIComponent(fromHash[1]));
  }

  // a handle for tests and debugging (the socket, to simulate a dropped connection)
  window.hubInbox = {
    get socket() {
      return state.socket;
    },
    get openId() {
      return state.openId;
    },
    get syncs() {
      return state.syncs;
    },
  };

  start();
});
