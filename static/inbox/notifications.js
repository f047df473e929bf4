/* The bell: notifications. */
import { api } from "./api.js";
import { openConversation } from "./conversation.js";
import { els, h, me, state, t } from "./core.js";
import { formatTime } from "./format.js";

// --- notifications -------------------------------------------------------------------------------------------

export const NOTES_KEY = `hub.notifications.${me.id}`;

export function loadNotifications() {
  try {
    const saved = JSON.parse(localStorage.getItem(NOTES_KEY) || "[]");
    if (Array.isArray(saved)) state.notifications = saved.slice(0, 50);
  } catch {
    state.notifications = [];
  }
}

export function saveNotifications() {
  try {
    localStorage.setItem(NOTES_KEY, JSON.stringify(state.notifications.slice(0, 50)));
  } catch {
    /* ignore */
  }
}

export const SYNCED_KEY = `hub.notifications.synced.${me.id}`;

// The server keeps every mention (GET /api/v1/notifications); this device remembers which it has shown. Mentions
// made since this device last asked are new (unread); on a device's first visit the older ones are history.
export async function syncNotifications() {
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

export function addNotification(data, { read = false, render = true } = {}) {
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

export function renderBell() {
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

export function openNotification(n) {
  n.read = true;
  saveNotifications();
  renderBell();
  toggleBell(false);
  if (n.conversationId) openConversation(n.conversationId, n.entryId);
}

export function toggleBell(open) {
  const show = open === undefined ? els.bellMenu.hidden : open;
  els.bellMenu.hidden = !show;
  els.bell.setAttribute("aria-expanded", String(show));
}
