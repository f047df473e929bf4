/* The @mention menu of the composer. */
import { els, h, me, state, t } from "./core.js";
import { emailHandle, nameHandle } from "./format.js";

export function mentionCandidates() {
  const people = state.users
    .filter((u) => u.active && u.role !== "partner" && u.id !== me.id)
    .map((u) => ({ handle: emailHandle(u.email), alt: nameHandle(u.name), label: u.name, kind: "user" }));
  const teams = state.departments.map((d) => ({ handle: nameHandle(d.name), alt: "", label: d.name, kind: "department" }));
  return [...people, ...teams];
}

export function mentionQuery() {
  const caret = els.text.selectionStart;
  if (caret !== els.text.selectionEnd) return null;
  const match = /(^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}_.-]*)$/u.exec(els.text.value.slice(0, caret));
  return match ? { start: caret - match[2].length - 1, end: caret, query: match[2].toLowerCase() } : null;
}

export function updateMentions() {
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

export function renderMentions() {
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

export function chooseMention(index) {
  const m = state.mention;
  if (!m) return;
  const chosen = m.items[index];
  els.text.setRangeText(`@${chosen.handle} `, m.start, m.end, "end");
  closeMentions();
  els.text.focus();
}

export function closeMentions() {
  state.mention = null;
  els.mentionMenu.hidden = true;
  els.mentionMenu.replaceChildren();
}
