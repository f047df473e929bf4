/* The bell: the server's notification centre (GET /api/v1/notifications: the list and the unread count; POST
 * /api/v1/notifications/read marks read), live through the `notification` and `notification:read` events. The read
 * state lives on the server: another tab or device sees it, and a reload keeps it. Merge suggestions are the one
 * kind the server does not store: they are pushed to whoever may merge, and kept here until this page reloads.
 */
import { api, errorText, toast } from "./api.js";
import { openConversation } from "./conversation.js";
import { desktopNotify } from "./desktop.js";
import { els, h, state, t } from "./core.js";
import { clientName, formatTime, systemText, translatedOr } from "./format.js";
import { ensureClient } from "./list.js";

const PAGE = 30;
let unread = 0; // the server's count (stored notifications only)
let pushedDuringSync = null; // pushes that arrive while a sync is asked: its answer may predate them

const stored = (n) => Boolean(n.id) && !n.local;
const SUBJECT_SHOWN = 60; // a longer subject or preview is cut (the title and the client say what it is about)
const askedClients = new Set(); // clients the bell asked for once (one request each, whatever the renders)

/** The list and count from the server (on every (re)connect: what the socket missed is in it). */
export async function syncNotifications() {
  const pushed = [];
  pushedDuringSync = pushed;
  let body;
  try {
    body = await api("GET", `/api/v1/notifications?limit=${PAGE}`);
  } catch {
    return;
  } finally {
    if (pushedDuringSync === pushed) pushedDuringSync = null;
  }
  const ids = new Set(body.items.map((n) => n.id));
  const local = state.notifications.filter((n) => n.local);
  const missed = pushed.filter((n) => !ids.has(n.id));
  state.notifications = [...body.items, ...missed, ...local].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const last = pushed[pushed.length - 1];
  unread = last && typeof last.unread_count === "number" ? last.unread_count : body.unread_count;
  renderBell();
}

/** A `notification` push: a stored one (it has an id and the new unread count), or a merge suggestion. */
export function addNotification(data) {
  if (!data || !data.kind) return;
  if (data.kind === "merge_suggested") {
    const id = `merge:${(data.suggestion && data.suggestion.id) || Date.now()}`;
    if (state.notifications.some((n) => n.id === id)) return;
    state.notifications.unshift({ id, kind: data.kind, local: true, read: false, at: new Date().toISOString() });
  } else {
    if (!data.id) return;
    if (pushedDuringSync) pushedDuringSync.push(data);
    if (!state.notifications.some((n) => n.id === data.id)) state.notifications.unshift(data);
    if (typeof data.unread_count === "number") unread = data.unread_count;
  }
  state.notifications = state.notifications.slice(0, 100);
  renderBell();
  desktopNotify(data); // on the desktop too when the agent looks elsewhere (desktop.js)
}

/** A `notification:read` push: this user read some (ids) or all (ids null) elsewhere, or here. */
export function notificationsRead(data) {
  if (!data) return;
  const ids = Array.isArray(data.ids) ? new Set(data.ids) : null;
  for (const n of state.notifications) if (stored(n) && (!ids || ids.has(n.id))) n.read = true;
  if (typeof data.unread_count === "number") unread = data.unread_count;
  renderBell();
}

async function markRead(body) {
  try {
    notificationsRead({ ...(await api("POST", "/api/v1/notifications/read", body)), ids: body.ids || null });
  } catch (err) {
    toast(errorText(err));
  }
}

export function markAllRead() {
  for (const n of state.notifications) if (n.local) n.read = true;
  renderBell();
  if (unread > 0 || state.notifications.some((n) => stored(n) && !n.read)) markRead({ all: true });
}

/** The bell's title of a notification (desktop.js shows the same text). */
export function notificationTitle(n) {
  const p = n.params || {};
  const time = p.due_at ? formatTime(p.due_at) : "";
  const target = p.target ? translatedOr(`sla.target.${p.target}`, p.target) : "";
  switch (n.kind) {
    case "mention":
      return t("bell.mentioned", { name: n.from || "?" });
    case "merge_suggested":
      return t("bell.merge_suggested");
    case "task_assigned":
      return n.from ? t("bell.task_assigned", { name: n.from }) : t("bell.task_assigned_system");
    case "task_due":
      return t("bell.task_due", { time });
    case "task_overdue":
      return t("bell.task_overdue", { time });
    case "sla_warning":
      return t("bell.sla_warning", { target, time });
    case "sla_breach":
      return t("bell.sla_breach", { target });
    case "assignment":
      return t("bell.assignment");
    default:
      return translatedOr(`bell.kind.${n.kind}`, t("bell.other"));
  }
}

/** The bell's text of a notification (desktop.js: its body): a mention in a system note with a code (the bot's
 * hand-off) in the reader's language, rendered as the timeline renders the note; else the text the server gave. */
export function notificationText(n) {
  const p = n.params || {};
  if (!p.code) return n.text || "";
  const note = { kind: "note", text: n.text || "", meta: { system: true, code: p.code, params: p.code_params || {} } };
  return systemText(note).slice(0, 200);
}

/** Which conversation a notification is about: its client's name and the subject (or preview) when there is one,
 * "Maria Smirnova · Website form: please call me back…"; "" while the client's name is not known yet. */
export function notificationContext(n) {
  const client = n.client_id ? state.clients.get(n.client_id) : null;
  const p = n.params || {};
  let subject = typeof p.subject === "string" ? p.subject.replace(/\s+/g, " ").trim() : "";
  if (subject && (subject === (n.text || "").trim() || subject === p.title)) subject = "";
  if (subject.length > SUBJECT_SHOWN) subject = `${subject.slice(0, SUBJECT_SHOWN - 1).trimEnd()}…`;
  return [client ? clientName(client) : "", subject].filter(Boolean).join(" · ");
}

/** The clients the notifications name that this page does not know yet (the list brings most): asked once each,
 * the bell drawn again when they are in. */
function askClients(items) {
  const missing = [...new Set(items.map((n) => n.client_id))]
    .filter((id) => id && !state.clients.has(id) && !askedClients.has(id));
  if (!missing.length) return;
  for (const id of missing) askedClients.add(id);
  Promise.all(missing.map((id) => ensureClient(id))).then(() => renderBell(), () => {});
}

/** Asks for the notification's client (once) when it is not known: the desktop notification waits for its name. */
export async function clientOf(n) {
  if (n.client_id && !state.clients.has(n.client_id)) {
    askedClients.add(n.client_id);
    await ensureClient(n.client_id);
  }
}

export function renderBell() {
  const count = unread + state.notifications.filter((n) => n.local && !n.read).length;
  els.bellCount.hidden = count === 0;
  els.bellCount.textContent = count > 99 ? "99+" : String(count);
  els.bell.dataset.count = String(count);
  els.bell.classList.toggle("lit", count > 0);
  els.bellEmpty.hidden = state.notifications.length > 0;
  askClients(state.notifications);
  els.bellList.replaceChildren(...state.notifications.map((n) => h(
    "li",
    { className: n.read ? "" : "unread",
      dataset: { kind: n.kind, notificationId: n.id, conversationId: n.conversation_id || "" } },
    h(
      "button",
      { type: "button", onclick: () => openNotification(n) },
      h("span", { className: "bell-item-title" }, notificationTitle(n)),
      notificationContext(n) ? h("span", { className: "bell-item-context" }, notificationContext(n)) : null,
      notificationText(n) ? h("span", { className: "bell-item-text" }, notificationText(n)) : null,
      h("time", { className: "muted", datetime: n.at }, formatTime(n.at)),
    ),
  )));
}

function openNotification(n) {
  if (!n.read) {
    n.read = true;
    if (stored(n)) {
      unread = Math.max(0, unread - 1); // the server's answer brings the true count
      markRead({ ids: [n.id] });
    }
    renderBell();
  }
  toggleBell(false);
  if (n.conversation_id) openConversation(n.conversation_id, n.entry_id);
}

export function toggleBell(open) {
  const show = open === undefined ? els.bellMenu.hidden : open;
  els.bellMenu.hidden = !show;
  els.bell.setAttribute("aria-expanded", String(show));
}
