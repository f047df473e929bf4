/* A partner organisation's grants, for admins and supervisors (issue #11): a "Partners" button in the top bar opens
 * a panel with each organisation (GET /api/v1/partners) and what it is granted (GET /api/v1/partners/{id}/grants):
 * a client (by name), a conversation, or a rule — each with "Revoke" (DELETE .../grants/{grant_id}). Sharing one
 * client is on its card (sharing.js). Asked for only when the server says the user sees everything
 * (config.sees_everything); the server decides, and a 403 hides the button.
 */
import { api, enc, errorText } from "./api.js";
import { fill, h, state, t } from "./core.js";

let button = null;
let panel = null;
let list = null;
let allowed = true;
// state.partnerGrants: { partners: [{partner, grants: [grant]}], names: {client_id: name}, error }

function build() {
  const anchor = document.querySelector(".bell-wrap");
  list = h("div", { className: "health-list", id: "partners-list" });
  panel = h(
    "section",
    { className: "tasks-panel health-panel", id: "partners-panel", hidden: true, "aria-labelledby": "partners-heading" },
    h("div", { className: "tasks-panel-head" },
      h("h2", { id: "partners-heading" }, t("partners.title")),
      h("button", { type: "button", className: "link-btn", id: "partners-close", onclick: () => togglePanel(false) },
        t("partners.close"))),
    list,
  );
  button = h("button", { type: "button", className: "btn btn-ghost", id: "partners-button",
    "aria-haspopup": "true", "aria-expanded": "false", hidden: true,
    onclick: (e) => { e.stopPropagation(); togglePanel(); } }, t("partners.title"));
  anchor.before(h("div", { className: "tasks-wrap" }, button, panel));
}

function grantLabel(grant, names) {
  if (grant.client_id) return t("partners.grant_client", { name: names[grant.client_id] || grant.client_id });
  if (grant.conversation_id) return t("partners.grant_conversation", { id: grant.conversation_id.slice(-6) });
  const rule = grant.rule || {};
  if (rule.tag) return t("partners.grant_tag", { tag: rule.tag });
  if (rule.field) return t("partners.grant_field", { field: rule.field, value: rule.value || "" });
  return t("partners.grant_brought");
}

async function revoke(partner, grant, control) {
  control.disabled = true;
  try {
    await api("DELETE", `/api/v1/partners/${enc(partner.id)}/grants/${enc(grant.id)}`);
    await load();
  } catch (err) {
    state.partnerGrants.error = errorText(err);
    control.disabled = false;
    renderPartnersPanel();
  }
}

function partnerBlock({ partner, grants }, names) {
  return h(
    "div",
    { className: "health-mailbox", dataset: { partnerId: partner.id } },
    h("div", { className: "health-mailbox-head" }, h("strong", {}, partner.name)),
    grants.length
      ? h("ul", { className: "partner-grants" }, ...grants.map((grant) => {
        const control = h("button", { type: "button", className: "link-btn partner-revoke" }, t("partners.revoke"));
        control.addEventListener("click", () => revoke(partner, grant, control));
        return h("li", { dataset: { grantId: grant.id } }, h("span", { className: "grant-label" }, grantLabel(grant, names)),
          grant.can_reply ? h("span", { className: "muted" }, ` · ${t("partners.can_reply")}`) : null, " ", control);
      }))
      : h("p", { className: "muted" }, t("partners.no_grants")),
  );
}

export function renderPartnersPanel() {
  if (!button) build();
  button.textContent = t("partners.title");
  document.getElementById("partners-heading").textContent = t("partners.title");
  document.getElementById("partners-close").textContent = t("partners.close");
  button.hidden = !allowed || !state.seesAll;
  if (panel.hidden) return;
  const data = state.partnerGrants || { partners: [], names: {}, error: "" };
  fill(
    list,
    data.error ? h("p", { className: "form-error", role: "alert" }, data.error) : null,
    !data.error && !data.partners.length ? h("p", { className: "muted" }, t("partners.none")) : null,
    ...data.partners.map((entry) => partnerBlock(entry, data.names)),
  );
}

async function load() {
  try {
    const partners = (await api("GET", "/api/v1/partners")).items;
    const grants = await Promise.all(
      partners.map((p) => api("GET", `/api/v1/partners/${enc(p.id)}/grants`).then((r) => r.items)),
    );
    const ids = [...new Set(grants.flat().map((g) => g.client_id).filter(Boolean))];
    const names = {};
    await Promise.all(ids.map((id) => api("GET", `/api/v1/clients/${enc(id)}`)
      .then((c) => { names[id] = c.name; })
      .catch(() => {})));
    state.partnerGrants = { partners: partners.map((partner, i) => ({ partner, grants: grants[i] })), names, error: "" };
  } catch (err) {
    if (err && err.status === 403) allowed = false;
    state.partnerGrants = { partners: [], names: {}, error: allowed ? errorText(err) : "" };
  }
  renderPartnersPanel();
}

function togglePanel(open) {
  const show = open === undefined ? panel.hidden : open;
  panel.hidden = !show;
  button.setAttribute("aria-expanded", String(show));
  renderPartnersPanel();
  if (show) load();
}
