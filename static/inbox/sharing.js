/* "Shared with partners" on the client card (issue #11): the partner organisations the open client is granted to,
 * each with "Revoke", and a "Share with partner" select. The section shows only when GET /api/v1/partners answers
 * for this user (it is asked for the roles the server says see everything, config.sees_everything; the server
 * decides who may grant and answers 403 to anyone else, then nothing shows). Grants come from
 * GET /api/v1/partners/{id}/grants; sharing POSTs {"client_id"}, revoking DELETEs .../grants/{grant_id}.
 */
import { api, enc, errorText } from "./api.js";
import { h, state, t } from "./core.js";

// state.sharing: { clientId, partners: [...] | null (not allowed), grants: [{grant, partner}], error, busy }
let loadSeq = 0;

function sharingState() {
  if (!state.sharing) state.sharing = { clientId: null, partners: null, grants: [], error: "", busy: false };
  return state.sharing;
}

export async function loadClientSharing(clientId) {
  const s = sharingState();
  const seq = ++loadSeq;
  s.clientId = clientId;
  s.grants = [];
  s.error = "";
  if (!state.seesAll) {
    s.partners = null;
    renderSharing();
    return;
  }
  try {
    const partners = (await api("GET", "/api/v1/partners")).items;
    const lists = await Promise.all(
      partners.map((p) => api("GET", `/api/v1/partners/${enc(p.id)}/grants`).then((r) => r.items)),
    );
    if (seq !== loadSeq) return;
    s.partners = partners;
    s.grants = [];
    partners.forEach((partner, i) => {
      for (const grant of lists[i]) if (grant.client_id === clientId) s.grants.push({ grant, partner });
    });
  } catch (err) {
    if (seq !== loadSeq) return;
    s.partners = err && err.status === 403 ? null : s.partners || [];
    if (s.partners) s.error = errorText(err);
  }
  renderSharing();
}

async function share(select) {
  const s = sharingState();
  const partnerId = select.value;
  if (!partnerId || !s.clientId) return;
  s.busy = true;
  s.error = "";
  renderSharing();
  try {
    await api("POST", `/api/v1/partners/${enc(partnerId)}/grants`, { client_id: s.clientId });
    s.busy = false;
    await loadClientSharing(s.clientId);
  } catch (err) {
    s.busy = false;
    s.error = errorText(err);
    renderSharing();
  }
}

async function revoke(grant) {
  const s = sharingState();
  s.busy = true;
  s.error = "";
  renderSharing();
  try {
    await api("DELETE", `/api/v1/partners/${enc(grant.partner_id)}/grants/${enc(grant.id)}`);
    s.busy = false;
    await loadClientSharing(s.clientId);
  } catch (err) {
    s.busy = false;
    s.error = errorText(err);
    renderSharing();
  }
}

export function cardSharingSection() {
  const s = sharingState();
  if (!s.partners || s.clientId !== state.openClientId) return h("section", { id: "card-sharing", hidden: true });
  const sharedWith = new Set(s.grants.map((g) => g.partner.id));
  const others = s.partners.filter((p) => !sharedWith.has(p.id));
  const select = h("select", { id: "share-partner", "aria-label": t("sharing.choose"), disabled: s.busy },
    h("option", { value: "" }, t("sharing.choose")),
    others.map((p) => h("option", { value: p.id }, p.name)));
  return h(
    "section",
    { className: "card-section card-sharing", id: "card-sharing" },
    h("h3", {}, t("sharing.title")),
    s.grants.length
      ? h("ul", { className: "sharing-list" }, s.grants.map(({ grant, partner }) =>
        h("li", { dataset: { partnerId: partner.id } }, h("span", { className: "sharing-name" }, partner.name), " ",
          h("button", { type: "button", className: "link-btn sharing-revoke", disabled: s.busy,
            onclick: () => revoke(grant) }, t("sharing.revoke")))))
      : h("p", { className: "muted" }, t("sharing.none")),
    s.partners.length
      ? h("div", { className: "sharing-add" }, select, " ",
        h("button", { type: "button", className: "btn btn-small", id: "share-submit", disabled: s.busy,
          onclick: () => share(select) }, t("sharing.share")))
      : h("p", { className: "muted" }, t("sharing.no_partners")),
    s.error ? h("p", { className: "form-error", role: "alert" }, s.error) : null,
  );
}

export function renderSharing() {
  const section = document.getElementById("card-sharing");
  if (section) section.replaceWith(cardSharingSection());
}
