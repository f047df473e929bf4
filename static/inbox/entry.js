/* One timeline entry, rendered: text, e-mail HTML (sandboxed frame), attachments, delivery state. */
import { api, enc, errorText, toast } from "./api.js";
import { callBlock } from "./calls.js";
import { EMAIL_CSS, h, me, safeHref, state, t } from "./core.js";
import { botBadge, channelBadge, channelLabel, formatFull, formatSize, formatTime, isSystemCoded, systemText, translatedOr } from "./format.js";
import { openTaskDialog, taskFromEntry } from "./tasks.js";
import { authorName, entryClass, upsertEntry } from "./timeline.js";

/** Text with @mentions highlighted — built from text nodes and spans, never parsed as HTML. */
export function withMentions(text) {
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
export function emailFrame(sanitizedHtml) {
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "");
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.className = "email-frame";
  frame.title = t("entry.html_title");
  frame.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${EMAIL_CSS}"></head><body>${sanitizedHtml}</body></html>`;
  return frame;
}

export function htmlBlock(entry) {
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

export function attachmentsBlock(entry) {
  if (!entry.attachments || !entry.attachments.length) return null;
  return h("ul", { className: "attachments" }, entry.attachments.map((a) => {
    const href = a.url ? safeHref(a.url) : null;
    const label = [a.name || t("entry.attachment"), formatSize(a.size)].filter(Boolean).join(" · ");
    return h("li", { className: "attachment" }, href
      ? h("a", { href, download: a.name || true, rel: "noopener noreferrer", target: "_blank" }, label)
      : h("span", {}, label));
  }));
}

export function deliveryBlock(entry) {
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
    d.error && d.status !== "sent" ? h("div", { className: "delivery-reason" }, deliveryReason(d)) : null,
  );
}

// a failure is a code + params (hub/outbound.py DeliveryError): the reader's language; else the stored English text
function deliveryReason(d) {
  const key = d.error_code ? `delivery.error.${d.error_code}` : "";
  if (!key || t(key) === key) return d.error;
  const params = { ...(d.error_params || {}) };
  if (params.channel) params.channel = channelLabel(params.channel);
  return t(key, params);
}

export async function retry(entryId, button) {
  button.disabled = true;
  try {
    upsertEntry(await api("POST", `/api/v1/entries/${enc(entryId)}/retry`));
  } catch (err) {
    toast(errorText(err));
    button.disabled = false;
  }
}

export function renderEntry(entry) {
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
      edited ? h("span", { className: "muted entry-edited", title: editHistory(entry) }, t("entry.edited")) : null,
      h("button", { type: "button", className: "link-btn entry-task", title: t("entry.create_task"),
        onclick: () => openTaskDialog(taskFromEntry(entry)) }, t("entry.create_task")),
      ownNote(entry)
        ? h("button", { type: "button", className: "link-btn entry-edit",
          onclick: () => editNote(entry) }, t("entry.edit"))
        : null,
    ),
    state.noteEdits.has(entry.id) && ownNote(entry)
      ? h("div", { className: "bubble" }, noteEditForm(entry))
      : h(
        "div",
        { className: "bubble" },
        entry.text ? h("div", { className: "entry-text" }, kind === "note" ? withMentions(systemText(entry)) : systemText(entry)) : null,
        htmlBlock(entry),
        entry.kind === "call" ? callBlock(entry) : null,
        attachmentsBlock(entry),
      ),
    deliveryBlock(entry),
  );
}

// --- editing one's own note (the server keeps the earlier text in meta.edits and decides who may) ---------------

function ownNote(entry) {
  return entry.kind === "note" && entry.author && entry.author.type === "user" && me && entry.author.id === me.id
    && !isSystemCoded(entry);
}

function editHistory(entry) {
  return entry.meta.edits.map((e) => `${formatFull(e.replaced_at)}: ${e.text}`).join("\n");
}

// The form is drawn from `state.noteEdits` by renderEntry, so a redraw of the entry (a colleague's change pushed as
// timeline:updated, a language switch) keeps the text being typed; upsertEntry keeps its focus (keepingInput).
function editNote(entry) {
  if (state.noteEdits.has(entry.id)) return;
  state.noteEdits.set(entry.id, entry.text);
  upsertEntry(state.entries.get(entry.id) || entry);
  const box = document.querySelector(`[data-keep="${CSS.escape(noteEditKey(entry))}"]`);
  if (box) box.focus();
}

function noteEditKey(entry) {
  return `note-edit:${entry.id}`;
}

function stopEditing(entry) {
  state.noteEdits.delete(entry.id);
  upsertEntry(state.entries.get(entry.id) || entry);
}

function noteEditForm(entry) {
  const box = h("textarea", { className: "note-edit-text", rows: 3, "aria-label": t("entry.edit"),
    dataset: { keep: noteEditKey(entry) },
    oninput: () => state.noteEdits.set(entry.id, box.value) });
  box.value = state.noteEdits.get(entry.id);
  const save = h("button", { type: "submit", className: "btn btn-small" }, t("entry.save"));
  const cancel = h("button", { type: "button", className: "btn btn-small btn-quiet",
    onclick: () => stopEditing(entry) }, t("entry.cancel"));
  return h("form", { className: "note-edit", onsubmit: async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      const saved = await api("PATCH", `/api/v1/entries/${enc(entry.id)}`, { text: box.value });
      state.noteEdits.delete(entry.id);
      upsertEntry(saved);
    } catch (err) {
      toast(errorText(err));
      save.disabled = false;
    }
  } }, box, h("div", { className: "note-edit-actions" }, save, cancel));
}
