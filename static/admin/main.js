/* The admin area (/admin; templates/admin.html loads this module; static/i18n.js and static/dom.js are classic
 * scripts that run before it). Admins manage users, departments, partner organisations and the routing rules, and
 * see the channels' health, the SLA policies and the bot flows; supervisors get the same page read-only (the
 * server's config.can_manage; every change is decided by the API anyway, which answers 403 to anyone else).
 *
 * One module per section (users.js, departments.js, partners.js, channels.js, routing.js, sla.js, bots.js), each
 * with load*() (fetch, then render) and render*() (draw from what it holds, in the current language), drawing
 * into its section's .admin-body. common.js: the shared lists and form builders; the REST helper and the DOM
 * builder are the inbox's (../inbox/api.js, core.js). The section shown follows the URL's hash (#users, ...).
 * Every text from the server (names, e-mails, rule text) goes in as text: no innerHTML.
 */
import { I18N, api, canManage, loadShared, me } from "./common.js";
import { loadBots, renderBots } from "./bots.js";
import { loadChannels, renderChannels } from "./channels.js";
import { loadDepartments, renderDepartments } from "./departments.js";
import { loadPartners, renderPartners } from "./partners.js";
import { loadRouting, renderRouting } from "./routing.js";
import { loadSla, renderSla } from "./sla.js";
import { loadUsers, renderUsers } from "./users.js";

const SECTIONS = ["users", "departments", "partners", "channels", "routing", "sla", "bots"];

function show(name) {
  const section = SECTIONS.includes(name) ? name : "users";
  for (const el of document.querySelectorAll(".admin-section")) el.hidden = el.dataset.section !== section;
  for (const link of document.querySelectorAll(".admin-nav [data-section]")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.section = section;
}

function rerenderAll() {
  renderUsers();
  renderDepartments();
  renderPartners();
  renderChannels();
  renderRouting();
  renderSla();
  renderBots();
}

async function start() {
  document.getElementById("me-name").textContent = me.name;
  document.getElementById("admin-readonly").hidden = canManage;
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await api("POST", "/api/v1/auth/logout");
    } finally {
      window.location.assign("/login");
    }
  });
  window.addEventListener("hashchange", () => show(window.location.hash.slice(1)));
  show(window.location.hash.slice(1));
  I18N.onChange(rerenderAll);
  rerenderAll();
  await loadShared();
  renderUsers();
  await Promise.all([
    loadUsers(), loadDepartments(), loadPartners(), loadRouting(), loadSla(), loadBots(),
    canManage ? loadChannels() : null, // the channels' health is for admins (the API says so too)
  ]);
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
