/* The /agent Socket.IO connection: live events, reconnect resync. */
import { api, enc, toast } from "./api.js";
import { hideCallBanner, showCallBanner } from "./calls.js";
import { renderCard } from "./card.js";
import { onSuggestionNotice } from "./client_edit.js";
import { clearTypingOf, onTypingEvent } from "./composer.js";
import { closeConversation, joinRoom, markReadSoon, openConversation, renderHeader } from "./conversation.js";
import { els, me, state, t } from "./core.js";
import { loadList, renderTabs, scheduleListRender, upsertConversation } from "./list.js";
import { addNotification, notificationsRead, syncNotifications } from "./notifications.js";
import { compareEntries, upsertEntry } from "./timeline.js";
import { loadClientTasks, loadMyTasks, removeTask, upsertTask } from "./tasks.js";
import { renderQueues, watchQueues } from "./queues.js";
import { loadViews, watchViews } from "./views.js";

// --- the socket ----------------------------------------------------------------------------------------------

export function setConnection(status) {
  els.conn.dataset.state = status;
  els.conn.textContent = t(`conn.${status}`);
}

/** After a reconnect: the list again from the server, and what the open conversation missed (merged by id). */
export async function resync() {
  loadList();
  loadViews();
  loadMyTasks();
  if (state.openClientId) loadClientTasks(state.openClientId);
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

export function connectSocket() {
  if (typeof window.io !== "function") {
    setConnection("offline");
    toast(t("error.socket_missing"));
    return;
  }
  const socket = window.io("/agent", { withCredentials: true });
  state.socket = socket;
  watchQueues(socket);
  watchViews(socket);
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
      // the header's language badge follows the customer's newest message
      if (data.entry.conversation_id === state.openId && data.entry.meta && data.entry.meta.language) renderHeader();
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
    state.changedAt.set(data.conversation_id, ++state.changeTick); // a list already under way must not bring it back
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
    state.myDepartments = me.department_ids;
    state.seesAll = me.role === "admin" || me.role === "supervisor";
    renderQueues();
    state.conversations.clear();
    if (state.openId) closeConversation();
    renderTabs();
    loadList();
    toast(t("notice.access_changed"));
  });
  socket.on("notification", (data) => {
    addNotification(data);
    onSuggestionNotice(data);
  });
  socket.on("notification:read", notificationsRead);
  socket.on("typing", onTypingEvent);
  socket.on("task:created", (data) => data && upsertTask(data.task));
  socket.on("task:updated", (data) => data && upsertTask(data.task));
  socket.on("task:removed", (data) => data && data.task_id && removeTask(data.task_id));
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
