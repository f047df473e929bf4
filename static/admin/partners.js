/* Partners: each organisation (GET /api/v1/partners) with its users and what it is granted (GET .../grants);
 * admins add an organisation (POST /api/v1/partners) and rename it or change the fields its users never see
 * (PATCH). Sharing a client is done on the client's card in the inbox; revoking there or in the inbox's Partners
 * panel. Partner users are added under Users (role Partner). */
import {
  api, canManage, enc, field, fill, h, input, loadShared, message, nothing, problem, shared, submitting, t,
} from "./common.js";
import { renderUsers } from "./users.js";

const body = () => document.getElementById("partners-body");
let grants = {}; // partner id -> [grant]
let names = {}; // client id -> name
let error = "";

export async function loadPartners() {
  try {
    shared.partners = (await api("GET", "/api/v1/partners")).items;
    const lists = await Promise.all(shared.partners.map((p) =>
      api("GET", `/api/v1/partners/${enc(p.id)}/grants`).then((r) => r.items).catch(() => [])));
    grants = Object.fromEntries(shared.partners.map((p, i) => [p.id, lists[i]]));
    const ids = [...new Set(lists.flat().map((g) => g.client_id).filter(Boolean))].filter((id) => !(id in names));
    await Promise.all(ids.map((id) => api("GET", `/api/v1/clients/${enc(id)}`).then((c) => { names[id] = c.name; }).catch(() => {})));
    error = "";
  } catch (err) {
    error = err.status === 403 ? t("admin.not_allowed") : err.message || String(err);
  }
  renderPartners();
}

function grantLabel(grant) {
  if (grant.client_id) return t("partners.grant_client", { name: names[grant.client_id] || grant.client_id });
  if (grant.conversation_id) return t("partners.grant_conversation", { id: grant.conversation_id.slice(-6) });
  const rule = grant.rule || {};
  if (rule.tag) return t("partners.grant_tag", { tag: rule.tag });
  if (rule.field) return t("partners.grant_field", { field: rule.field, value: rule.value || "" });
  return t("partners.grant_brought");
}

const fieldsOf = (text) => String(text || "").split(",").map((s) => s.trim()).filter(Boolean);

function partnerForm(partner) {
  const out = message();
  const form = h("form", { className: `admin-form ${partner ? "admin-edit" : ""}`, id: partner ? null : "new-partner-form" },
    partner ? null : h("h3", {}, t("admin.partner_add")),
    h("div", { className: "admin-grid" },
      field("admin.partner_name", input({ name: "name", required: true, maxlength: 200, value: partner ? partner.name : "" })),
      field("admin.partner_redacted", input({ name: "redacted", value: partner ? partner.redacted_fields.join(", ") : "", placeholder: "phone, email" }))),
    h("div", { className: "admin-actions" }, h("button", { type: "submit", className: "btn btn-primary btn-small" }, t(partner ? "admin.save" : "admin.partner_add_submit"))),
    out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const payload = { name: data.get("name"), redacted_fields: fieldsOf(data.get("redacted")) };
    const ok = await submitting(form.querySelector("button"), out, async () => {
      if (partner) await api("PATCH", `/api/v1/partners/${enc(partner.id)}`, payload);
      else await api("POST", "/api/v1/partners", payload);
    });
    if (ok) {
      await loadShared();
      await loadPartners();
      renderUsers();
    }
  });
  return form;
}

function partnerRow(partner) {
  const users = shared.users.filter((u) => u.partner_id === partner.id);
  const granted = grants[partner.id] || [];
  return h("li", { className: "admin-item", dataset: { partnerId: partner.id } },
    h("div", { className: "admin-item-head" }, h("strong", { className: "admin-item-name" }, partner.name)),
    h("dl", { className: "fields" },
      h("dt", {}, t("admin.partner_users")), h("dd", {}, users.map((u) => `${u.name} (${u.email})`).join(", ") || "—"),
      h("dt", {}, t("admin.partner_redacted")), h("dd", {}, partner.redacted_fields.join(", ") || "—"),
      h("dt", {}, t("admin.partner_grants")),
      h("dd", {}, granted.length
        ? h("ul", { className: "admin-plain" }, ...granted.map((g) => h("li", { className: "grant-label" }, grantLabel(g),
          g.can_reply ? h("span", { className: "muted" }, ` · ${t("partners.can_reply")}`) : null)))
        : t("partners.no_grants"))),
    canManage ? h("details", { className: "admin-details" }, h("summary", {}, t("admin.edit")), partnerForm(partner)) : null);
}

export function renderPartners() {
  fill(body(),
    h("p", { className: "muted admin-hint" }, t("admin.partners_hint")),
    canManage ? partnerForm(null) : null,
    error ? problem(error) : null,
    !error && !shared.partners.length ? nothing("partners.none") : null,
    h("ul", { className: "admin-list", id: "partners-list" }, ...shared.partners.map(partnerRow)));
}
