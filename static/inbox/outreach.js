/* "Write email" on the client card (issue #9): for a client with an email address, a small form (subject, text,
 * the mailbox when the page knows of several) → POST /api/v1/clients/{id}/emails; on success the new email
 * conversation opens; the API's error text is shown in the form otherwise (a client without an address, an unknown
 * mailbox, a too long subject...). The draft lives in state.outreach, so a re-rendered card keeps it.
 */
import { api, enc, errorText } from "./api.js";
import { openConversation } from "./conversation.js";
import { h, state, t } from "./core.js";

function draft() {
  const clientId = state.openClientId;
  if (!state.outreach || state.outreach.clientId !== clientId) {
    state.outreach = { clientId, open: false, subject: "", text: "", mailbox: "", error: "", busy: false };
  }
  return state.outreach;
}

/** The mailboxes the page knows of (the channels' health, which only admins get); empty: the server's default. */
function knownMailboxes() {
  const health = state.channelsHealth;
  return (health && health.email && health.email.mailboxes) || [];
}

async function send() {
  const d = draft();
  const body = { subject: d.subject, text: d.text };
  if (d.mailbox) body.mailbox = d.mailbox;
  d.busy = true;
  d.error = "";
  renderOutreach();
  try {
    const started = await api("POST", `/api/v1/clients/${enc(d.clientId)}/emails`, body);
    state.outreach = null;
    renderOutreach();
    openConversation(started.conversation.id);
  } catch (err) {
    d.busy = false;
    d.error = errorText(err);
    renderOutreach();
  }
}

export function cardOutreachSection() {
  const client = state.clients.get(state.openClientId);
  const hasEmail = client && (client.identities || []).some((i) => i.kind === "email");
  if (!hasEmail) return h("section", { id: "card-outreach", hidden: true });
  const d = draft();
  if (!d.open) {
    return h("section", { className: "card-section card-outreach", id: "card-outreach" },
      h("button", { type: "button", className: "btn btn-small", id: "write-email",
        onclick: () => { d.open = true; renderOutreach(); document.getElementById("outreach-subject")?.focus(); } },
      t("outreach.write")));
  }
  const mailboxes = knownMailboxes();
  const form = h(
    "form",
    { className: "outreach-form", id: "outreach-form", onsubmit: (e) => { e.preventDefault(); send(); } },
    h("label", { for: "outreach-subject" }, t("outreach.subject")),
    h("input", { id: "outreach-subject", type: "text", maxlength: "300", value: d.subject, disabled: d.busy,
      oninput: (e) => { d.subject = e.target.value; } }),
    h("label", { for: "outreach-text" }, t("outreach.text")),
    h("textarea", { id: "outreach-text", rows: "5", disabled: d.busy, oninput: (e) => { d.text = e.target.value; } },
      d.text),
    mailboxes.length > 1
      ? [h("label", { for: "outreach-mailbox" }, t("outreach.mailbox")),
        h("select", { id: "outreach-mailbox", disabled: d.busy, onchange: (e) => { d.mailbox = e.target.value; } },
          mailboxes.map((m) => h("option", { value: m.name, selected: m.name === d.mailbox },
            m.address ? `${m.name} <${m.address}>` : m.name)))]
      : null,
    d.error ? h("p", { className: "form-error", id: "outreach-error", role: "alert" }, d.error) : null,
    h("div", { className: "outreach-actions" },
      h("button", { type: "submit", className: "btn btn-small btn-primary", id: "outreach-send", disabled: d.busy },
        t("outreach.send")), " ",
      h("button", { type: "button", className: "link-btn", id: "outreach-cancel", disabled: d.busy,
        onclick: () => { state.outreach = null; renderOutreach(); } }, t("outreach.cancel"))),
  );
  return h("section", { className: "card-section card-outreach", id: "card-outreach" },
    h("h3", {}, t("outreach.title")), form);
}

export function renderOutreach() {
  const section = document.getElementById("card-outreach");
  if (section) section.replaceWith(cardOutreachSection());
}
