/* The conversation list: tabs, rows, paging, live upserts. */
import { api, enc, errorText, toast } from "./api.js";
import { renderCard } from "./card.js";
import { openConversation, renderHeader } from "./conversation.js";
import { PAGE, els, h, initials, me, state, t } from "./core.js";
import { botBadge, channelBadge, clientName, formatTime, priorityBadge, statusChip, userName } from "./format.js";
import { slaClock } from "./sla.js";
import { snoozeChip } from "./snooze.js";
import { currentView, leaveView, matchesView, viewQuery } from "./views.js";

// --- conversation list ---------------------------------------------------------------------------------------

export const TABS = {
  mine: { shown: () => true, match: (c) => c.assignee_id === me.id, queries: () => [{ assignee: "me" }] },
  // the bot's conversations have their own tab (Bot) until a hand-off gives them to people
  unassigned: {
    shown: () => true,
    match: (c) => !c.assignee_id && c.handler !== "bot",
    queries: () => [{ assignee: "none", handler: "human" }],
  },
  bot: { shown: () => true, match: (c) => c.handler === "bot", queries: () => [{ handler: "bot" }] },
  department: {
    shown: () => state.myDepartments.length > 0,
    match: (c) => Boolean(c.department_id) && state.myDepartments.includes(c.department_id),
    queries: () => state.myDepartments.map((id) => ({ department: id })),
  },
  all: { shown: () => state.seesAll, match: () => true, queries: () => [{}] },
};

export function inCurrentList(c) {
  const view = currentView();
  if (view) return matchesView(view, c); // a saved view: its own filters (status among them)
  return TABS[state.tab].match(c) && (!state.status || state.status.split(",").includes(c.status));
}

export const activity = (c) => Date.parse(c.last_message_at || c.created_at) || 0;

export function byActivity(a, b) {
  return activity(b) - activity(a) || (a.id < b.id ? 1 : -1);
}

export function upsertConversation(c, { fromList = false } = {}) {
  if (!c || !c.id) return;
  const known = state.conversations.get(c.id);
  // a list fetched before a live update may answer after it: never let an older copy win
  if (known && Date.parse(known.updated_at) > Date.parse(c.updated_at)) return;
  // a push carries no `reply` (whether I can reply: REST reads only): keep what the last read said
  if (known && known.reply && !("reply" in c)) c = { ...c, reply: known.reply };
  state.conversations.set(c.id, c);
  if (!fromList) state.changedAt.set(c.id, ++state.changeTick);
  if (!state.clients.has(c.client_id)) ensureClient(c.client_id);
  if (c.id === state.openId) renderHeader();
  scheduleListRender();
}

export let listRenderQueued = false;
export function scheduleListRender() {
  if (listRenderQueued) return;
  listRenderQueued = true;
  queueMicrotask(() => {
    listRenderQueued = false;
    renderList();
  });
}

export function renderTabs() {
  for (const button of els.tabs.querySelectorAll("[data-tab]")) {
    const tab = button.dataset.tab;
    button.hidden = !TABS[tab].shown();
    const active = tab === state.tab && !state.view;
    button.classList.toggle("active", active);
    button.setAttribute("aria-selected", String(active));
  }
}

export function renderList() {
  const items = [...state.conversations.values()].filter(inCurrentList).sort(byActivity);
  // a re-render (a live update) must not take the keyboard focus away from the row it was on
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".conv-item");
  const focusedId = focused && els.list.contains(focused) ? focused.dataset.conversationId : null;
  els.list.replaceChildren(...items.map(renderListItem));
  if (focusedId) {
    const again = els.list.querySelector(`.conv-item[data-conversation-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  els.listEmpty.hidden = items.length > 0;
  const unread = items.reduce((sum, c) => sum + (c.unread > 0 ? 1 : 0), 0);
  document.title = `${unread ? `(${unread}) ` : ""}${t("page.inbox")} · ${t("app.name")}`;
}

export function renderListItem(c) {
  const client = state.clients.get(c.client_id);
  const name = clientName(client);
  const open = () => openConversation(c.id);
  return h(
    "li",
    {
      className: `conv-item${c.id === state.openId ? " active" : ""}${c.unread > 0 ? " has-unread" : ""}`,
      dataset: { conversationId: c.id, status: c.status, handler: c.handler },
      tabindex: 0,
      role: "option", // of the listbox #conversation-list; j/k and the arrows move through it (keys.js)
      "aria-selected": String(c.id === state.openId),
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
        priorityBadge(c.priority),
        slaClock(c),
        c.handler === "bot" ? botBadge() : null,
        c.status !== "open" ? statusChip(c.status) : null,
        snoozeChip(c),
        c.assignee_id
          ? h("span", { className: "conv-item-assignee" },
            c.assignee_id === me.id ? t("list.assigned_me") : userName(c.assignee_id))
          : null,
      ),
    ),
  );
}

export async function loadList({ more = false } = {}) {
  const seq = ++state.listSeq;
  const startedAt = state.changeTick;
  const view = currentView();
  const queries = view ? [viewQuery(view)] : TABS[state.tab].queries();
  const cursor = more ? state.listCursor : null;
  let pages;
  try {
    pages = await Promise.all(queries.map((query) => {
      const params = new URLSearchParams({ ...query, limit: String(PAGE) });
      if (state.status && !view) params.set("status", state.status);
      if (cursor) params.set("cursor", cursor);
      return api("GET", `/api/v1/conversations?${params}`);
    }));
  } catch (err) {
    if (seq === state.listSeq) toast(errorText(err));
    return;
  }
  if (seq !== state.listSeq) return;
  if (!more) {
    // what the server says replaces what this tab showed (a reconnect may have missed changes), except what
    // changed live while the request was under way: the answer's snapshot is older than that
    for (const c of [...state.conversations.values()]) {
      const changedSince = (state.changedAt.get(c.id) || 0) > startedAt;
      if (c.id !== state.openId && !changedSince && inCurrentList(c)) state.conversations.delete(c.id);
    }
  }
  for (const page of pages) {
    for (const [id, client] of Object.entries(page.clients || {})) state.clients.set(id, client);
    for (const c of page.items) {
      const removedSince = !state.conversations.has(c.id) && (state.changedAt.get(c.id) || 0) > startedAt;
      if (!removedSince) upsertConversation(c, { fromList: true });
    }
  }
  state.listCursor = queries.length === 1 ? pages[0].next_cursor : null;
  els.listMore.hidden = !state.listCursor;
  renderList();
}

export function selectTab(tab) {
  if (!TABS[tab] || !TABS[tab].shown()) return;
  state.tab = tab;
  leaveView();
  try {
    localStorage.setItem("hub.tab", tab);
  } catch {
    /* ignore */
  }
  renderTabs();
  renderList();
  loadList();
}

export function ensureClient(id) {
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
