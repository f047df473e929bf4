/* The open conversation: opening, the header and its actions, read marks. */
import { api, enc, errorText, toast } from "./api.js";
import { loadClientCard, renderCard } from "./card.js";
import { renderComposerMode, renderTyping, stopTyping } from "./composer.js";
import { config, els, fill, h, me, state, t } from "./core.js";
import { botBadge, channelBadge, clientName, customerLanguage, languageBadge, priorityBadge, statusChip } from "./format.js";
import { renderList, upsertConversation } from "./list.js";
import { closeMentions } from "./mentions.js";
import { loadTimeline, resetTimeline } from "./timeline.js";
import { slaClock } from "./sla.js";
import { renderSnoozeControls, snoozeChip } from "./snooze.js";

// --- the open conversation -----------------------------------------------------------------------------------

export function joinRoom(id) {
  if (state.socket && state.socket.connected) state.socket.emit("join", { conversation_id: id }, () => {});
}

export function leaveRoom(id) {
  if (state.socket && state.socket.connected) state.socket.emit("leave", { conversation_id: id });
}

export async function openConversation(id, focusEntryId) {
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
    // the URL names the open conversation; the entry's state (layout.js: the phone's view level) stays
    window.history.replaceState(window.history.state, "", `#c=${enc(id)}`);
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
      toast(errorText(err, "conversation"));
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
  renderHeader(); // the customer's language comes from the timeline's entries
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

export function closeConversation() {
  if (state.openId) leaveRoom(state.openId);
  state.openId = null;
  state.openClientId = null;
  resetTimeline();
  els.conv.hidden = true;
  els.placeholder.hidden = false;
  els.card.replaceChildren();
  renderList();
}

export function openConversationRecord() {
  return state.openId ? state.conversations.get(state.openId) : null;
}

export function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([id, label]) => h("option", { value: id }, label)));
  if (!options.some(([id]) => id === value)) select.append(h("option", { value }, "…"));
  select.value = value;
}

export function renderHeader() {
  const c = openConversationRecord();
  if (!c) return;
  const client = state.clients.get(c.client_id);
  els.title.textContent = clientName(client);
  fill(
    els.badges,
    channelBadge(c.channel),
    statusChip(c.status),
    snoozeChip(c),
    priorityBadge(c.priority),
    slaClock(c),
    c.handler === "bot" ? botBadge() : null,
    languageBadge(customerLanguage(c.id)),
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
  // Reopen also wakes a snoozed conversation and takes one out of pending
  els.reopen.hidden = c.status === "open";
  renderSnoozeControls(c);
  renderComposerMode();
}

export async function patchConversation(changes) {
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

export function markReadSoon() {
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
