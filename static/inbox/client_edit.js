/* Editing the client card and its possible duplicates (issue #12).
 *
 * "Edit" on the card opens an inline form for the name, the tags (comma-separated) and the custom fields (key and
 * value rows; a removed row is sent as null, which removes the field): PATCH /api/v1/clients/{id}; the server's
 * error text shows under the form. The draft lives in state.clientEdit, so a live re-render of the card (another
 * agent's change arrives as client:updated) rebuilds the form with what the user typed and keeps the focus.
 *
 * "Possible duplicates" lists the open merge suggestions naming this client (GET /api/v1/merge-suggestions
 * ?status=open&client_id=...; who may see suggestions at all is the server's answer). "Merge" asks to confirm inline, then POSTs /api/v1/clients/{open}/merge {"other_id"}: the
 * open client is kept and the conversation is reopened, so card and timeline show the merged client. "Not the
 * same person" POSTs .../dismiss.
 */
import { api, enc, errorText } from "./api.js";
import { openConversation } from "./conversation.js";
import { h, state, t } from "./core.js";
import { clientName, translatedOr } from "./format.js";
import { renderCard } from "./card.js";

// --- editing ---------------------------------------------------------------------------------------------------

// state.clientEdit: { clientId, name, tags, fields: [{key, value, original}], removed: [keys], error, busy } | null

function fieldText(value) {
  return value === null || value === undefined ? "" : String(value);
}

// an edited value keeps the field's type when it still reads as one: a number stays a number, true/false a
// boolean; anything else (and every new field) is text, so "007" stays "007"
function typedLike(before, text) {
  const trimmed = text.trim();
  if (typeof before === "number" && trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (typeof before === "boolean" && (trimmed === "true" || trimmed === "false")) return trimmed === "true";
  return text;
}

function startEdit(client) {
  state.clientEdit = {
    clientId: client.id,
    name: client.name || "",
    tags: (client.tags || []).join(", "),
    fields: Object.entries(client.fields || {}).map(([key, value]) => ({ key, value: fieldText(value), original: key })),
    // what the form started from: only what the user changed is sent, so a colleague's change meanwhile stays
    startName: client.name || "",
    startTags: [...(client.tags || [])],
    originals: { ...(client.fields || {}) },
    error: "",
    busy: false,
  };
  renderCard();
  const input = document.getElementById("client-edit-name");
  if (input) input.focus();
}

function cancelEdit() {
  state.clientEdit = null;
  renderCard();
}

function patchBody(draft) {
  const body = {};
  if (draft.name.trim() !== draft.startName) body.name = draft.name;
  const tags = [...new Set(draft.tags.split(",").map((s) => s.trim()).filter(Boolean))];
  if (tags.join("\n") !== draft.startTags.join("\n")) body.tags = tags;
  const fields = {};
  const kept = new Set();
  for (const row of draft.fields) {
    const key = row.key.trim();
    if (!key) continue;
    kept.add(key);
    const before = draft.originals[key];
    if (row.original === key && fieldText(before) === row.value) continue; // unchanged: not sent
    fields[key] = row.original === key ? typedLike(before, row.value) : row.value;
  }
  for (const key of Object.keys(draft.originals)) if (!kept.has(key)) fields[key] = null;
  if (Object.keys(fields).length) body.fields = fields;
  return body;
}

async function saveEdit() {
  const draft = state.clientEdit;
  const client = draft && state.clients.get(draft.clientId);
  if (!client || draft.busy) return;
  const body = patchBody(draft);
  if (!Object.keys(body).length) {
    cancelEdit();
    return;
  }
  draft.busy = true;
  draft.error = "";
  renderCard();
  try {
    const updated = await api("PATCH", `/api/v1/clients/${enc(draft.clientId)}`, body);
    state.clients.set(updated.id, updated);
    if (state.clientEdit === draft) state.clientEdit = null;
  } catch (err) {
    draft.busy = false;
    draft.error = errorText(err);
  }
  renderCard();
}

// (data-keep: the card's redraw gives the field being typed in its focus and caret back, core.js keepingInput; its
// text comes from the draft)
function input(key, value, attrs, onValue) {
  return h("input", {
    type: "text", value, dataset: { keep: `client-edit:${key}` }, ...attrs,
    oninput: (e) => onValue(e.target.value),
  });
}

function editForm(client, draft) {
  const rows = draft.fields.map((row, i) =>
    h("li", { className: "client-edit-field" },
      input(`field-key-${i}`, row.key, { "aria-label": t("client_edit.field_key"), maxlength: 100, disabled: draft.busy,
        className: "client-edit-key" }, (v) => { row.key = v; }),
      input(`field-value-${i}`, row.value, { "aria-label": t("client_edit.field_value"), disabled: draft.busy,
        className: "client-edit-value" }, (v) => { row.value = v; }),
      h("button", { type: "button", className: "link-btn client-edit-remove", disabled: draft.busy,
        "aria-label": t("client_edit.remove_field"), title: t("client_edit.remove_field"),
        onclick: () => { draft.fields.splice(i, 1); renderCard(); } }, "×")));
  return h(
    "form",
    { className: "card-section client-edit", id: "client-edit",
      onsubmit: (e) => { e.preventDefault(); saveEdit(); },
      onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancelEdit(); } } },
    h("label", { className: "client-edit-label" }, t("client_edit.name"),
      input("name", draft.name, { id: "client-edit-name", maxlength: 200, disabled: draft.busy }, (v) => { draft.name = v; })),
    h("label", { className: "client-edit-label" }, t("client_edit.tags"),
      input("tags", draft.tags, { id: "client-edit-tags", placeholder: t("client_edit.tags_hint"), disabled: draft.busy },
        (v) => { draft.tags = v; })),
    h("div", { className: "client-edit-label" }, t("client_edit.fields"),
      h("ul", { className: "client-edit-fields" }, rows),
      h("button", { type: "button", className: "link-btn", id: "client-edit-add-field", disabled: draft.busy,
        onclick: () => {
          draft.fields.push({ key: "", value: "", original: null });
          renderCard();
          const keys = document.querySelectorAll("#client-card .client-edit-key");
          if (keys.length) keys[keys.length - 1].focus();
        } }, t("client_edit.add_field"))),
    draft.error ? h("p", { className: "form-error", role: "alert", id: "client-edit-error" }, draft.error) : null,
    h("div", { className: "client-edit-actions" },
      h("button", { type: "submit", className: "btn btn-small", id: "client-edit-save", disabled: draft.busy }, t("client_edit.save")),
      " ",
      h("button", { type: "button", className: "btn btn-small btn-ghost", id: "client-edit-cancel", disabled: draft.busy,
        onclick: cancelEdit }, t("client_edit.cancel"))),
  );
}

/** The "Edit" button, or the form while editing the open client. */
export function cardEditSection(client) {
  const draft = state.clientEdit;
  if (draft && draft.clientId === client.id) return editForm(client, draft);
  if (draft) state.clientEdit = null; // another client was opened
  return h("div", { className: "client-edit-open" },
    h("button", { type: "button", className: "link-btn", id: "client-edit-start", onclick: () => startEdit(client) },
      t("client_edit.edit")));
}

// --- possible duplicates ---------------------------------------------------------------------------------------

// state.duplicates: { clientId, items: [{suggestion, other}], confirming: id | null, error, busy, allowed }
let loadSeq = 0;

function duplicatesState() {
  if (!state.duplicates) state.duplicates = { clientId: null, items: [], confirming: null, error: "", busy: false, allowed: false };
  return state.duplicates;
}

export async function loadClientDuplicates(clientId) {
  const d = duplicatesState();
  const seq = ++loadSeq;
  if (d.clientId !== clientId) Object.assign(d, { clientId, items: [], confirming: null, error: "", allowed: false });
  try {
    const params = new URLSearchParams({ status: "open", client_id: clientId });
    const open = (await api("GET", `/api/v1/merge-suggestions?${params}`)).items;
    const others = await Promise.all(open.map((s) => {
      const otherId = s.client_ids[0] === clientId ? s.client_ids[1] : s.client_ids[0];
      return api("GET", `/api/v1/clients/${enc(otherId)}`).catch(() => null);
    }));
    if (seq !== loadSeq) return;
    d.allowed = true;
    d.items = open.map((suggestion, i) => ({ suggestion, other: others[i] })).filter((x) => x.other);
    if (d.confirming && !d.items.some((x) => x.suggestion.id === d.confirming)) d.confirming = null;
  } catch (err) {
    if (seq !== loadSeq) return;
    d.allowed = !(err && err.status === 403);
    d.items = [];
    if (d.allowed) d.error = errorText(err);
  }
  renderDuplicates();
}

async function merge(item) {
  const d = duplicatesState();
  const keepId = d.clientId;
  d.busy = true;
  d.error = "";
  renderDuplicates();
  try {
    const kept = await api("POST", `/api/v1/clients/${enc(keepId)}/merge`, { other_id: item.other.id });
    state.clients.delete(item.other.id);
    state.clients.set(kept.id, kept);
    d.busy = false;
    d.confirming = null;
    d.items = d.items.filter((x) => x.other.id !== item.other.id);
    if (state.openId) await openConversation(state.openId); // card and timeline of the merged client
    else renderCard();
  } catch (err) {
    d.busy = false;
    d.error = errorText(err);
    renderDuplicates();
  }
}

async function dismiss(item) {
  const d = duplicatesState();
  d.busy = true;
  d.error = "";
  renderDuplicates();
  try {
    await api("POST", `/api/v1/merge-suggestions/${enc(item.suggestion.id)}/dismiss`);
    d.busy = false;
    d.items = d.items.filter((x) => x.suggestion.id !== item.suggestion.id);
    renderDuplicates();
  } catch (err) {
    d.busy = false;
    d.error = errorText(err);
    renderDuplicates();
  }
}

function duplicateItem(d, item) {
  const { suggestion, other } = item;
  const confirming = d.confirming === suggestion.id;
  const identity = suggestion.identity || {};
  return h(
    "li",
    { className: "duplicate", dataset: { suggestionId: suggestion.id, clientId: other.id } },
    h("span", { className: "duplicate-name" }, clientName(other)),
    " ",
    h("span", { className: "muted duplicate-why" },
      t("duplicates.same", { kind: translatedOr(`identity.${identity.kind}`, identity.kind || ""), value: identity.value || "" })),
    confirming
      ? h("div", { className: "duplicate-actions" },
        h("span", { className: "duplicate-question" }, t("duplicates.confirm", { name: clientName(other) })), " ",
        h("button", { type: "button", className: "btn btn-small duplicate-merge-confirm", disabled: d.busy,
          onclick: () => merge(item) }, t("duplicates.merge_confirm")), " ",
        h("button", { type: "button", className: "link-btn duplicate-merge-cancel", disabled: d.busy,
          onclick: () => { d.confirming = null; renderDuplicates(); } }, t("client_edit.cancel")))
      : h("div", { className: "duplicate-actions" },
        h("button", { type: "button", className: "link-btn duplicate-merge", disabled: d.busy,
          onclick: () => { d.confirming = suggestion.id; renderDuplicates(); } }, t("duplicates.merge")), " · ",
        h("button", { type: "button", className: "link-btn duplicate-dismiss", disabled: d.busy,
          onclick: () => dismiss(item) }, t("duplicates.dismiss"))),
  );
}

export function cardDuplicatesSection() {
  const d = duplicatesState();
  if (!d.allowed || d.clientId !== state.openClientId || (!d.items.length && !d.error)) {
    return h("section", { id: "card-duplicates", hidden: true });
  }
  return h(
    "section",
    { className: "card-section card-duplicates", id: "card-duplicates" },
    h("h3", {}, t("duplicates.title")),
    h("ul", { className: "duplicates" }, d.items.map((item) => duplicateItem(d, item))),
    d.error ? h("p", { className: "form-error", role: "alert" }, d.error) : null,
  );
}

export function renderDuplicates() {
  const section = document.getElementById("card-duplicates");
  if (section) section.replaceWith(cardDuplicatesSection());
}

/** A live `notification` (socket.js): a new merge suggestion naming the open client shows under the card. */
export function onSuggestionNotice(data) {
  const suggestion = data && data.kind === "merge_suggested" ? data.suggestion : null;
  if (suggestion && state.openClientId && (suggestion.client_ids || []).includes(state.openClientId)) {
    loadClientDuplicates(state.openClientId);
  }
}
