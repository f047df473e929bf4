/* The channels' health for admins (issue #9): a "Channels" button in the top bar, red when a mailbox is disconnected
 * or has an error, and a panel with each mailbox from GET /api/v1/channels/health (connected, mode, last sync,
 * last error, backlog). It is asked for when the server says the user is an admin (me.role); the server decides
 * (403 to anyone else: then nothing shows). Refreshed every minute and whenever the panel opens.
 */
import { api, errorText } from "./api.js";
import { fill, h, me, state, t } from "./core.js";
import { formatTime } from "./format.js";

const REFRESH_MS = 60_000;
let button = null;
let panel = null;
let list = null;
let timer = null;
let error = "";
let allowed = true;

function build() {
  const anchor = document.querySelector(".bell-wrap");
  list = h("div", { className: "health-list", id: "health-list" });
  panel = h(
    "section",
    { className: "tasks-panel health-panel", id: "health-panel", hidden: true, "aria-labelledby": "health-heading" },
    h("div", { className: "tasks-panel-head" },
      h("h2", { id: "health-heading" }, t("health.title")),
      h("button", { type: "button", className: "link-btn", id: "health-close", onclick: () => togglePanel(false) },
        t("health.close"))),
    list,
  );
  button = h("button", { type: "button", className: "btn btn-ghost health-button", id: "health-button",
    "aria-haspopup": "true", "aria-expanded": "false", hidden: true,
    onclick: (e) => { e.stopPropagation(); togglePanel(); } }, t("health.title"));
  anchor.before(h("div", { className: "tasks-wrap health-wrap" }, button, panel));
}

const troubled = (m) => !m.connected || Boolean(m.last_error);

function mailboxRow(m) {
  const bad = troubled(m);
  return h(
    "div",
    { className: `health-mailbox${bad ? " health-bad" : ""}`, dataset: { mailbox: m.name, state: bad ? "bad" : "ok" } },
    h("div", { className: "health-mailbox-head" },
      h("strong", {}, m.name), " ", h("span", { className: "muted" }, m.address || ""), " ",
      h("span", { className: "health-state" }, t(m.connected ? "health.connected" : "health.disconnected"))),
    h("dl", { className: "fields" },
      h("dt", {}, t("health.mode")), h("dd", {}, m.mode || "—"),
      h("dt", {}, t("health.last_sync")), h("dd", {}, m.last_sync_at ? formatTime(m.last_sync_at) : t("health.never")),
      h("dt", {}, t("health.backlog")), h("dd", {}, String(m.backlog ?? 0)),
      m.last_error
        ? [h("dt", {}, t("health.last_error")),
          h("dd", { className: "health-error" }, m.last_error, m.last_error_at ? ` (${formatTime(m.last_error_at)})` : "")]
        : null),
  );
}

export function renderHealth() {
  if (!button) build();
  const data = state.channelsHealth;
  button.textContent = t("health.title"); // again: the language may have changed
  document.getElementById("health-heading").textContent = t("health.title");
  document.getElementById("health-close").textContent = t("health.close");
  button.hidden = !allowed || (!data && !error);
  const mailboxes = (data && data.email && data.email.mailboxes) || [];
  const bad = Boolean(error) || mailboxes.some(troubled);
  button.classList.toggle("health-alert", bad);
  button.dataset.state = bad ? "bad" : "ok";
  button.title = error || (!mailboxes.length ? t("health.none") : t(bad ? "health.problem" : "health.ok"));
  if (panel.hidden) return;
  fill(
    list,
    error ? h("p", { className: "form-error", role: "alert" }, error) : null,
    data && !mailboxes.length ? h("p", { className: "muted" }, t("health.none")) : null,
    ...mailboxes.map(mailboxRow),
  );
}

export async function loadHealth() {
  if (me.role !== "admin") {
    allowed = false;
    renderHealth();
    return;
  }
  clearTimeout(timer);
  try {
    state.channelsHealth = await api("GET", "/api/v1/channels/health");
    error = "";
    allowed = true;
  } catch (err) {
    if (err && err.status === 403) allowed = false;
    else error = errorText(err);
  }
  renderHealth();
  if (allowed) timer = setTimeout(loadHealth, REFRESH_MS);
}

function togglePanel(open) {
  const show = open === undefined ? panel.hidden : open;
  panel.hidden = !show;
  button.setAttribute("aria-expanded", String(show));
  renderHealth();
  if (show) loadHealth();
}
