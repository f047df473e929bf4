/* The partner portal: the clients and conversations shared with the user's organisation, their timelines (what is
 * shared: customer messages and shared notes; never internal notes — the server sends nothing else), shared notes
 * and, where a grant allows it, replies; the tasks assigned to the organisation, whose status its users move
 * (open, in progress, done). Live through the /partner Socket.IO namespace.
 *
 * Every text from the server is put into the page as text (HubDom.h → createTextNode). No innerHTML.
 */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { h, append } = window.HubDom;
  const I18N = window.HubI18n;
  const t = (key, vars) => I18N.t(key, vars);
  const config = JSON.parse(document.getElementById("hub-config").textContent);
  const $ = (id) => document.getElementById(id);
  const fill = (el, ...children) => {
    el.replaceChildren();
    append(el, children);
  };
  const els = {
    portal: $("portal"),
    org: $("portal-org"),
    conn: $("conn-status"),
    notice: $("portal-notice"),
    clients: $("portal-clients"),
    empty: $("portal-empty"),
    detail: $("portal-detail"),
    back: $("portal-back"),
    card: $("portal-card"),
    conversation: $("portal-conversation"),
    timeline: $("portal-timeline"),
    composer: $("portal-composer"),
    text: $("portal-text"),
    error: $("portal-error"),
    send: $("portal-send"),
    logout: $("logout"),
  };
  const state = { clients: [], open: null, conversations: [], entries: new Map(), socket: null, tasks: [] };

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
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
      throw new ApiError(0, t("error.network"));
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401) {
      window.location.assign("/login");
      throw new ApiError(401, t("error.session"));
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.message) || t("error.generic"));
    return data;
  }

  function notice(text) {
    els.notice.textContent = text || "";
    els.notice.hidden = !text;
  }

  function setTitle() {
    document.title = `${t("portal.title")} · ${t("app.name")}`;
    els.org.textContent = config.partner ? t("portal.org", { name: config.partner }) : "";
  }

  // --- the list of clients --------------------------------------------------------------------------------------

  function identityText(client) {
    return (client.identities || []).map((i) => i.value).join(", ");
  }

  function renderClients() {
    fill(
      els.clients,
      state.clients.map((client) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              dataset: { clientId: client.id },
              "aria-current": state.open && state.open.id === client.id ? "true" : "false",
              onclick: () => openClient(client.id),
            },
            h("strong", {}, client.name || t("portal.unnamed")),
            h("span", { className: "portal-client-sub" }, identityText(client) || (client.tags || []).join(", ")),
          ),
        ),
      ),
    );
    els.empty.hidden = state.clients.length > 0;
  }

  async function loadClients() {
    const data = await api("GET", "/api/v1/clients?limit=100");
    state.clients = data.items;
    renderClients();
  }

  // --- tasks assigned to the organisation ----------------------------------------------------------------------

  const TASK_STATUSES = ["open", "in_progress", "done"]; // what a partner may set
  const tasksList = h("ul", { className: "portal-tasks", id: "portal-tasks" });
  const tasksEmpty = h("p", { className: "empty", id: "portal-tasks-empty", hidden: true });
  const tasksHeading = h("h2", { id: "portal-tasks-heading" });
  els.clients.closest("section").append(tasksHeading, tasksList, tasksEmpty);

  function taskNode(task) {
    const client = state.clients.find((c) => c.id === task.client_id);
    const statuses = TASK_STATUSES.includes(task.status) ? TASK_STATUSES : [task.status];
    const select = h(
      "select",
      {
        "aria-label": t("tasks.status"),
        disabled: !TASK_STATUSES.includes(task.status),
        onchange: (event) => setTaskStatus(task, event.target),
      },
      statuses.map((status) => h("option", { value: status, selected: status === task.status }, t(`task_status.${status}`))),
    );
    const due = task.due_at ? `${t("tasks.due")}: ${new Date(task.due_at).toLocaleString(I18N.language)}` : t("tasks.no_due");
    return h(
      "li",
      { className: "portal-task", dataset: { taskId: task.id, status: task.status } },
      h("strong", {}, task.title),
      h("span", { className: "portal-client-sub" }, client ? t("portal.task_client", { name: client.name || t("portal.unnamed") }) : ""),
      h("span", { className: "portal-client-sub" }, due),
      select,
    );
  }

  function renderTasks() {
    tasksHeading.textContent = t("portal.tasks");
    tasksEmpty.textContent = t("portal.tasks_empty");
    fill(tasksList, state.tasks.map(taskNode));
    tasksEmpty.hidden = state.tasks.length > 0;
  }

  async function loadTasks() {
    const data = await api("GET", "/api/v1/tasks?limit=100");
    state.tasks = data.items;
    renderTasks();
  }

  function upsertTask(task) {
    const others = state.tasks.filter((x) => x.id !== task.id);
    state.tasks = [task, ...others].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
    renderTasks();
  }

  async function setTaskStatus(task, select) {
    try {
      upsertTask(await api("PATCH", `/api/v1/tasks/${encodeURIComponent(task.id)}`, { status: select.value }));
      notice("");
    } catch (error) {
      notice(error.message);
      if (error.status === 404) {
        loadTasks().catch(() => {});
      } else {
        select.value = task.status;
      }
    }
  }

  // --- one client -----------------------------------------------------------------------------------------------

  function renderCard(client) {
    const rows = [];
    for (const identity of client.identities || []) {
      rows.push(h("dt", {}, t(`identity.${identity.kind}`)), h("dd", {}, identity.value));
    }
    for (const [name, value] of Object.entries(client.fields || {})) {
      rows.push(h("dt", {}, name), h("dd", {}, String(value)));
    }
    fill(
      els.card,
      h("h1", { id: "portal-client-name" }, client.name || t("portal.unnamed")),
      (client.tags || []).length ? h("div", { className: "chips" }, client.tags.map((tag) => h("span", { className: "tag" }, tag))) : null,
      rows.length ? h("dl", {}, rows) : null,
    );
  }

  function renderConversations() {
    fill(
      els.conversation,
      state.conversations.map((c) =>
        h("option", { value: c.id }, `${t(`channel.${c.channel}`)} · ${t(`status.${c.status}`)}${c.subject ? ` · ${c.subject}` : ""}`),
      ),
    );
    els.conversation.disabled = state.conversations.length === 0;
    renderReplyOption();
  }

  // --- whether a reply is possible, before typing (the conversation's `reply`, decided by the server) -------------

  function replyProblem() {
    const c = state.conversations.find((x) => x.id === els.conversation.value);
    if (!c) return t("portal.no_conversation");
    if (!c.reply || c.reply.allowed !== false) return "";
    const problem = c.reply.problem || { code: "forbidden", params: {} };
    if (problem.code === "forbidden") return t("portal.reply_forbidden");
    const params = { ...(problem.params || {}) };
    if (params.channel) params.channel = t(`channel.${params.channel}`);
    const key = `reply.problem.${problem.code}`;
    const text = t(key, params);
    return text === key ? problem.text || "" : text;
  }

  function renderReplyOption() {
    const radio = els.composer.querySelector('input[name="mode"][value="reply"]');
    const label = radio.closest("label");
    let reason = document.getElementById("portal-reply-reason");
    if (!reason) {
      reason = h("span", { className: "portal-reply-reason muted", id: "portal-reply-reason" });
      label.after(reason);
    }
    const why = replyProblem();
    radio.disabled = Boolean(why);
    label.classList.toggle("disabled", Boolean(why));
    reason.textContent = why;
    reason.hidden = !why;
    if (why && radio.checked) els.composer.querySelector('input[name="mode"][value="note"]').checked = true;
  }

  function entryNode(entry) {
    const note = entry.kind === "note";
    const time = new Date(entry.occurred_at).toLocaleString(I18N.language);
    return h(
      "li",
      {
        className: "portal-entry",
        dataset: { entryId: entry.id, kind: entry.kind, direction: entry.direction, conversationId: entry.conversation_id || "" },
      },
      h(
        "div",
        { className: "portal-entry-head" },
        h("span", {}, entry.author && entry.author.name ? entry.author.name : t(`author.${entry.author ? entry.author.type : "system"}`)),
        note ? h("span", { className: "badge note-badge" }, t("portal.shared_note")) : h("span", {}, t(`channel.${entry.channel}`) || entry.channel),
        h("time", { datetime: entry.occurred_at }, time),
      ),
      h("div", { className: "portal-entry-text" }, entryText(entry) || ""),
    );
  }

  // a system line ("… resolved it") is a code and params: the reader's language, as the inbox shows it
  const formatFull = (iso) => (iso ? new Date(iso).toLocaleString(I18N.language) : "");
  function entryText(entry) {
    const system = window.HubSystemText;
    if (!system || !system.isCoded(entry)) return entry.text;
    return system.render(entry, { t, formatTime: formatFull, formatFull });
  }

  function renderTimeline() {
    const sorted = [...state.entries.values()].sort((a, b) =>
      a.occurred_at === b.occurred_at ? (a.id < b.id ? -1 : 1) : a.occurred_at < b.occurred_at ? -1 : 1,
    );
    fill(els.timeline, sorted.map(entryNode));
  }

  function closeClient(message) {
    state.open = null;
    state.entries.clear();
    els.detail.hidden = true;
    els.portal.dataset.view = "list";
    renderClients();
    if (message) notice(message);
  }

  async function openClient(clientId) {
    let client;
    let conversations;
    let timeline;
    try {
      [client, conversations, timeline] = await Promise.all([
        api("GET", `/api/v1/clients/${encodeURIComponent(clientId)}`),
        api("GET", `/api/v1/clients/${encodeURIComponent(clientId)}/conversations`),
        api("GET", `/api/v1/clients/${encodeURIComponent(clientId)}/timeline?limit=100`),
      ]);
    } catch (error) {
      if (error.status === 404) {
        closeClient(t("portal.revoked"));
        await loadClients();
        return;
      }
      notice(error.message);
      return;
    }
    notice("");
    state.open = client;
    state.conversations = conversations.items;
    state.entries = new Map(timeline.items.map((e) => [e.id, e]));
    els.detail.hidden = false;
    els.portal.dataset.view = "detail";
    els.error.textContent = "";
    renderCard(client);
    renderConversations();
    renderTimeline();
    renderClients();
  }

  // --- writing --------------------------------------------------------------------------------------------------

  async function send(event) {
    event.preventDefault();
    if (!state.open) return;
    const text = els.text.value.trim();
    if (!text) return;
    const mode = els.composer.elements.mode.value;
    const conversationId = els.conversation.value;
    els.error.textContent = "";
    els.send.disabled = true;
    try {
      let entry;
      if (mode === "reply") {
        if (!conversationId) throw new ApiError(400, t("portal.no_conversation"));
        entry = await api("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/replies`, { text });
      } else if (conversationId) {
        entry = await api("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/notes`, { text });
      } else {
        entry = await api("POST", `/api/v1/clients/${encodeURIComponent(state.open.id)}/notes`, { text });
      }
      state.entries.set(entry.id, entry);
      renderTimeline();
      els.text.value = "";
    } catch (error) {
      els.error.textContent = error.status === 403 && mode === "reply" ? t("portal.reply_forbidden") : error.message;
    } finally {
      els.send.disabled = false;
    }
  }

  // --- live -----------------------------------------------------------------------------------------------------

  function setConn(stateName) {
    els.conn.dataset.state = stateName;
    els.conn.dataset.i18n = `conn.${stateName}`;
    els.conn.textContent = t(`conn.${stateName}`);
  }

  function connect() {
    if (!window.io) return;
    const socket = window.io("/partner", { withCredentials: true });
    state.socket = socket;
    socket.on("connect", () => setConn("live"));
    socket.on("disconnect", () => setConn("offline"));
    socket.on("connect_error", () => setConn("offline"));
    socket.on("timeline:new", (data) => onEntry(data));
    socket.on("timeline:updated", (data) => onEntry(data));
    socket.on("timeline:moved", (data) => onMoved(data));
    socket.on("client:updated", (data) => {
      if (state.open && data.client.id === state.open.id) {
        state.open = data.client;
        renderCard(data.client);
      }
      loadClients().catch(() => {});
    });
    socket.on("conversation:updated", (data) => {
      if (state.open && data.conversation.client_id === state.open.id) {
        api("GET", `/api/v1/clients/${encodeURIComponent(state.open.id)}/conversations`)
          .then((found) => {
            const chosen = els.conversation.value;
            state.conversations = found.items;
            renderConversations();
            if (chosen) els.conversation.value = chosen;
          })
          .catch(() => {});
      }
    });
    socket.on("access:changed", () => onAccessChanged());
    socket.on("task:created", (data) => upsertTask(data.task));
    socket.on("task:updated", (data) => upsertTask(data.task));
    socket.on("task:removed", (data) => {
      state.tasks = state.tasks.filter((x) => x.id !== data.task_id);
      renderTasks();
    });
  }

  function onEntry(data) {
    const entry = data.entry;
    if (!state.clients.some((c) => c.id === entry.client_id)) {
      loadClients().catch(() => {});
    }
    if (state.open && entry.client_id === state.open.id) {
      state.entries.set(entry.id, entry);
      renderTimeline();
    }
  }

  function onMoved(data) {
    // entries moved into another conversation (a move or a split): those it may see come with their new
    // conversation; without entries they left a conversation this organisation no longer sees them in
    if (!state.open) return;
    const mine = (data.entries || []).filter((e) => e.client_id === state.open.id);
    if (data.entries && data.entries.length) {
      if (!mine.length) return;
      for (const entry of mine) state.entries.set(entry.id, entry);
    } else {
      const known = data.entry_ids.filter((id) => state.entries.has(id));
      if (!known.length) return;
      for (const id of known) state.entries.delete(id);
    }
    renderTimeline();
    api("GET", `/api/v1/clients/${encodeURIComponent(state.open.id)}/conversations`)
      .then((found) => {
        const chosen = els.conversation.value;
        state.conversations = found.items;
        renderConversations();
        if (chosen) els.conversation.value = chosen;
      })
      .catch(() => {});
  }

  async function onAccessChanged() {
    // what the organisation may see changed: the lists are rebuilt from the server, and an open record it may no
    // longer see is dropped
    loadTasks().catch(() => {});
    try {
      await loadClients();
    } catch {
      return;
    }
    if (state.open && !state.clients.some((c) => c.id === state.open.id)) {
      closeClient(t("portal.revoked"));
    } else if (state.open) {
      await openClient(state.open.id);
    }
  }

  // --- start ----------------------------------------------------------------------------------------------------

  els.composer.addEventListener("submit", send);
  els.conversation.addEventListener("change", renderReplyOption);
  els.back.addEventListener("click", () => closeClient(""));
  els.logout.addEventListener("click", async () => {
    try {
      await api("POST", "/api/v1/auth/logout");
    } finally {
      if (state.socket) state.socket.disconnect();
      window.location.assign("/login");
    }
  });
  I18N.onChange(() => {
    setTitle();
    renderClients();
    renderTasks();
    if (state.open) {
      renderCard(state.open);
      renderConversations();
      renderTimeline();
    }
  });
  setTitle();
  loadClients()
    .then(renderTasks)
    .catch((error) => notice(error.message));
  loadTasks().catch((error) => notice(error.message));
  connect();
});
