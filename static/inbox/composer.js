/* The composer: replies, notes, typing indicators. */
import { api, enc, errorText } from "./api.js";
import { clearFiles, pendingFiles, renderAttach, replyBody } from "./attach.js";
import { openConversationRecord } from "./conversation.js";
import { els, h, me, state, t } from "./core.js";
import { channelLabel, translatedOr } from "./format.js";
import { closeMentions } from "./mentions.js";
import { scrollToBottom, upsertEntry } from "./timeline.js";

// --- composer: replies, notes, mentions, typing --------------------------------------------------------------

export function renderComposerMode() {
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
  callBackButton().hidden = !phone;
  const c = openConversationRecord();
  if (state.mode === "note") {
    // "Calling <number>…" stays while that conversation is open, whatever re-renders the composer meanwhile
    const calling = phone && c && state.callHint && state.callHint.id === c.id ? state.callHint.text : "";
    els.hint.textContent = calling || (phone ? t("composer.phone_hint") : t("composer.note_hint"));
    els.text.placeholder = t("composer.note_placeholder");
    els.send.textContent = t("composer.add_note");
  } else {
    const problem = replyProblem(c);
    els.hint.textContent = problem
      ? problemText(problem, c)
      : c ? t("composer.reply_hint", { channel: channelLabel(c.channel) }) : "";
    els.text.placeholder = t(problem ? "composer.reply_blocked_placeholder" : "composer.reply_placeholder");
    els.send.textContent = t("composer.send");
  }
  // a reply the server would refuse (the channel is not connected, no reply grant): the box says so and is off;
  // notes still work
  const blocked = state.mode === "reply" && !!replyProblem(c);
  els.composer.classList.toggle("reply-blocked", blocked);
  els.hint.classList.toggle("composer-problem", blocked);
  els.text.disabled = blocked;
  els.send.disabled = blocked;
  renderAttach(); // files go with replies only (attach.js)
  const attach = document.getElementById("composer-attach");
  if (attach && blocked) attach.hidden = true;
}

/** Why a reply cannot go out in this conversation (its JSON's `reply`, decided by the server), or null. */
export function replyProblem(c) {
  return c && c.reply && c.reply.allowed === false ? c.reply.problem || { code: "forbidden", params: {} } : null;
}

function problemText(problem, c) {
  const params = { ...(problem.params || {}) };
  if (params.channel) params.channel = channelLabel(params.channel);
  const text = t(`reply.problem.${problem.code}`, params);
  return text === `reply.problem.${problem.code}` ? problem.text || "" : text;
}

// "Call back" in a phone conversation: the hub asks the telephony provider to connect your line with the client
function callBackButton() {
  let button = els.composer.querySelector(".call-back");
  if (!button) {
    button = h("button", { type: "button", className: "call-back", onclick: callBack }, t("call.call_back"));
    els.composer.querySelector(".composer-modes").append(button);
  }
  return button;
}

export async function callBack() {
  const id = state.openId;
  const button = callBackButton();
  if (!id) return;
  button.disabled = true;
  els.composerError.textContent = "";
  try {
    const placed = await api("POST", "/api/v1/calls", { conversation_id: id });
    if (state.openId === id) {
      state.callHint = { id, text: t("call.placing", { number: placed.number || "" }) };
      els.hint.textContent = state.callHint.text;
      if (placed.entry) upsertEntry(placed.entry);
      scrollToBottom();
    }
  } catch (err) {
    els.composerError.textContent = translatedOr(`error.${err.code}`, "") || errorText(err);
  } finally {
    button.disabled = false;
  }
}

export function setMode(mode) {
  if (state.mode === "reply" && mode !== "reply") stopTyping();
  state.mode = mode;
  closeMentions();
  renderComposerMode();
  els.text.focus();
}

export async function submit() {
  const id = state.openId;
  const text = els.text.value.trim();
  const withFiles = state.mode === "reply" && pendingFiles().length > 0;
  if (!id || (!text && !withFiles)) return;
  if (state.mode === "reply" && replyProblem(openConversationRecord())) return; // the hint says why
  els.send.disabled = true;
  els.composerError.textContent = "";
  const path = state.mode === "note" ? "notes" : "replies";
  try {
    const body = state.mode === "reply" ? replyBody(text) : { text };
    const entry = await api("POST", `/api/v1/conversations/${enc(id)}/${path}`, body);
    if (withFiles) clearFiles(id);
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

export function emitTyping(on) {
  if (state.socket && state.socket.connected && state.openId) {
    state.socket.emit("typing", { conversation_id: state.openId, on });
  }
}

export function onTypingInput() {
  if (state.mode !== "reply" || !state.openId) return;
  const now = Date.now();
  if (now - state.typingSentAt > 3000) {
    state.typingSentAt = now;
    emitTyping(true);
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, 4000);
}

export function stopTyping() {
  clearTimeout(state.typingTimer);
  if (state.typingSentAt) {
    emitTyping(false);
    state.typingSentAt = 0;
  }
}

export function renderTyping() {
  const names = [...state.typing.values()].filter((v) => v.conversationId === state.openId).map((v) => v.name);
  els.typing.textContent = names.length === 0 ? ""
    : names.length === 1 ? t("typing.one", { name: names[0] }) : t("typing.many", { names: names.join(", ") });
}

export function onTypingEvent(data) {
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

export function clearTypingOf(entry) {
  for (const [key, v] of state.typing) {
    if (v.conversationId === entry.conversation_id && v.author.type === entry.author.type
      && (v.author.id || v.author.name) === (entry.author.id || entry.author.name)) {
      clearTimeout(v.timer);
      state.typing.delete(key);
    }
  }
  renderTyping();
}
