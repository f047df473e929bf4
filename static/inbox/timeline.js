/* The client's unified timeline: loading, ordering, live upserts. */
import { api, enc, errorText, toast } from "./api.js";
import { renderCard } from "./card.js";
import { PAGE, els, keepingInput, me, state } from "./core.js";
import { renderEntry } from "./entry.js";
import { translatedOr } from "./format.js";

// --- timeline ------------------------------------------------------------------------------------------------

export function resetTimeline() {
  state.entries.clear();
  state.entryEls.clear();
  state.noteEdits.clear();
  state.timelineCursor = null;
  els.timeline.replaceChildren();
  els.timelineMore.hidden = true;
}

export function compareEntries(a, b) {
  return (Date.parse(a.occurred_at) - Date.parse(b.occurred_at)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function nearBottom() {
  const s = els.scroll;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
}

export function scrollToBottom() {
  els.scroll.scrollTop = els.scroll.scrollHeight;
}

export async function loadTimeline(seq, { older = false } = {}) {
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
export function upsertEntry(entry, { scroll = true } = {}) {
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
    keepingInput(() => old.replaceWith(el)); // a note being edited in it keeps its focus and caret
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

export function rerenderTimeline() {
  keepingInput(() => {
    for (const [id, entry] of state.entries) {
      const el = renderEntry(entry);
      state.entryEls.get(id).replaceWith(el);
      state.entryEls.set(id, el);
    }
  });
}

export function entryClass(entry) {
  if (entry.kind === "note") return "note";
  if (entry.kind === "system" || entry.direction === "internal") return "system";
  return entry.direction === "in" ? "in" : "out";
}

export function authorName(entry) {
  const author = entry.author || {};
  if (author.name) return author.name;
  return translatedOr(`author.${author.type}`, author.type || "");
}
