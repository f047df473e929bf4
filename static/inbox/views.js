/* Saved views: the "Views" section under the list tabs. Each view (GET /api/v1/views: mine and those shared with me)
 * shows how many conversations I may open match it (GET /api/v1/views/counts: the server counts through my access
 * scope, so nothing here decides what I see). Selecting one lists its conversations: list.js loads with the view's
 * filters (the same vocabulary as GET /api/v1/conversations) and matches live upserts with `matchesView`, so a new
 * message lands in or drops out of it. Counts are re-fetched (debounced, 1 s) after the live events that can move
 * them; views follow view:changed / view:removed. The form creates and edits one (name and filters; admins and
 * supervisors may share it with everyone).
 */
import { api, enc, errorText, toast } from "./api.js";
import { els, h, me, state, t } from "./core.js";
import { loadList, renderList, renderTabs, selectTab } from "./list.js";
import { slaState } from "./sla.js";

const CHANNELS = ["webchat", "telegram", "email", "phone", "api"];
const STATUSES = ["open", "pending", "snoozed", "resolved"];
const PRIORITIES = ["low", "normal", "high", "urgent"];
const SLA_STATES = ["ok", "warning", "breached"];
const COUNT_DELAY = 1000;
const SLA_REFRESH = 60000; // SLA states move with time too (the server pushes breach and warning notices; this is the net)

let section = null;
let list = null;
let dialog = null;
let countTimer = null;
let countSeq = 0;

state.views = [];
state.viewCounts = {};
state.view = null; // the selected view's id (then no tab is active)

export function currentView() {
  return state.view ? state.views.find((v) => v.id === state.view) || null : null;
}

// --- matching (the client side of the server's filters, for live upserts) -------------------------------------

function inRange(value, from, to) {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return !from && !to;
  return (!from || at >= Date.parse(from)) && (!to || at < Date.parse(to));
}

/** Whether a conversation the server pushed to me belongs in the view (the server decided that I may see it). */
export function matchesView(view, c) {
  const f = view.filters || {};
  const any = (values, value) => !values || !values.length || values.includes(value);
  if (!any(f.channel, c.channel) || !any(f.status, c.status) || !any(f.priority, c.priority || "normal")) return false;
  if (f.sla && f.sla.length) {
    // a policy applies (sla is set) but nothing is running nor breached (met, or paused): the server says ok too
    const found = c.sla ? (slaState(c.sla) || { state: "ok" }).state : null;
    if (!found || !f.sla.includes(found)) return false;
  }
  if (f.assignee === "me" && c.assignee_id !== me.id) return false;
  if (f.assignee === "none" && c.assignee_id) return false;
  if (f.assignee && f.assignee !== "me" && f.assignee !== "none" && c.assignee_id !== f.assignee) return false;
  if (f.department && c.department_id !== f.department) return false;
  if (f.handler && c.handler !== f.handler) return false;
  if (f.tag) {
    const client = state.clients.get(c.client_id);
    if (!client || !(client.tags || []).includes(f.tag)) return false;
  }
  return inRange(c.created_at, f.created_from, f.created_to) &&
    (!f.last_message_from && !f.last_message_to ? true : inRange(c.last_message_at, f.last_message_from, f.last_message_to));
}

/** The query of GET /api/v1/conversations for a view (lists comma-separated). */
export function viewQuery(view) {
  const query = {};
  for (const [key, value] of Object.entries(view.filters || {})) {
    if (Array.isArray(value)) {
      if (value.length) query[key] = value.join(",");
    } else if (value !== null && value !== undefined && value !== "") query[key] = String(value);
  }
  return query;
}

// --- loading ------------------------------------------------------------------------------------------------------

let loadedOnce = false;

export async function loadViews() {
  try {
    const body = await api("GET", "/api/v1/views");
    state.views = body.items;
  } catch {
    state.views = [];
  }
  if (!loadedOnce) {
    loadedOnce = true; // the page opens on the view it showed last (this browser's choice)
    const last = remembered();
    if (last && state.views.some((v) => v.id === last)) {
      selectView(last);
      loadCounts();
      return;
    }
  }
  if (state.view && !currentView()) {
    leaveView();
    fallbackTab();
  }
  renderViews();
  loadCounts();
}

export async function loadCounts() {
  const seq = ++countSeq;
  if (!state.views.length) return;
  let body;
  try {
    body = await api("GET", "/api/v1/views/counts");
  } catch {
    return;
  }
  if (seq !== countSeq) return;
  state.viewCounts = body || {};
  renderViews();
  watchTime();
  if (section) section.dataset.counts = String(Number(section.dataset.counts || 0) + 1); // for tests: answers shown
}

let slaTimer = null;
function watchTime() {
  const timed = state.views.some((v) => v.filters && v.filters.sla && v.filters.sla.length);
  if (timed && slaTimer === null) {
    slaTimer = setInterval(() => {
      loadCounts();
      const view = currentView();
      if (view && view.filters.sla && view.filters.sla.length) loadList();
    }, SLA_REFRESH);
  } else if (!timed && slaTimer !== null) {
    clearInterval(slaTimer);
    slaTimer = null;
  }
}

export function countsSoon() {
  clearTimeout(countTimer);
  countTimer = setTimeout(loadCounts, COUNT_DELAY);
}

/** The live events that can move a count or a view (socket.js calls this once per socket). */
export function watchViews(socket) {
  for (const event of ["timeline:new", "conversation:updated", "conversation:removed", "timeline:moved"]) {
    socket.on(event, countsSoon);
  }
  socket.on("access:changed", loadViews);
  socket.on("view:changed", (data) => {
    if (!data || !data.view) return;
    const i = state.views.findIndex((v) => v.id === data.view.id);
    if (i >= 0) state.views[i] = data.view;
    else state.views.push(data.view);
    state.views.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1));
    renderViews();
    countsSoon();
    if (data.view.id === state.view) {
      renderList();
      loadList();
    }
  });
  socket.on("view:removed", (data) => {
    if (!data || !data.view_id) return;
    state.views = state.views.filter((v) => v.id !== data.view_id);
    delete state.viewCounts[data.view_id];
    if (state.view === data.view_id) {
      leaveView();
      fallbackTab();
    }
    renderViews();
  });
}

// --- selecting ----------------------------------------------------------------------------------------------------

function remember(id) {
  try {
    if (id) localStorage.setItem("hub.view", id);
    else localStorage.removeItem("hub.view");
  } catch {
    /* ignore */
  }
}

function remembered() {
  try {
    return localStorage.getItem("hub.view");
  } catch {
    return null;
  }
}

export function selectView(id) {
  if (!state.views.some((v) => v.id === id)) return;
  state.view = id;
  remember(id);
  renderTabs();
  renderViews();
  renderList();
  loadList();
}

/** No view selected any more (a tab was clicked, or the view went away). */
export function leaveView() {
  if (!state.view) return;
  state.view = null;
  remember(null);
  renderViews();
}

function fallbackTab() {
  selectTab(state.tab || (state.seesAll ? "all" : "unassigned"));
}

// --- rendering ----------------------------------------------------------------------------------------------------

function build() {
  list = h("ul", { className: "views-list", id: "views-list", "aria-labelledby": "views-heading" });
  section = h(
    "section",
    { className: "views", id: "views", "aria-labelledby": "views-heading" },
    h("div", { className: "views-head" },
      h("h3", { id: "views-heading" }, t("views.title")),
      h("button", { type: "button", className: "link-btn", id: "views-new", onclick: () => openForm(null) }, t("views.new"))),
    list,
  );
  els.tabs.after(section);
}

function renderView(view) {
  const active = view.id === state.view;
  const count = state.viewCounts[view.id];
  return h(
    "li",
    { className: `view-item${active ? " active" : ""}`, dataset: { viewId: view.id } },
    h("button", { type: "button", className: "view-select", "aria-pressed": String(active), onclick: () => selectView(view.id) },
      h("span", { className: "view-name" }, view.name),
      view.shared !== "none" ? h("span", { className: "view-shared", title: t("views.shared") }, "👥") : null,
      h("span", { className: "view-count", dataset: { count: count === undefined ? "" : count } },
        count === undefined ? "…" : count > 999 ? "999+" : String(count))),
    view.can_edit
      ? h("button", { type: "button", className: "link-btn view-edit", "aria-label": t("views.edit_named", { name: view.name }),
        onclick: () => openForm(view) }, t("views.edit"))
      : null,
  );
}

export function renderViews() {
  if (!section) build();
  section.querySelector("#views-heading").textContent = t("views.title");
  section.querySelector("#views-new").textContent = t("views.new");
  list.replaceChildren(...state.views.map(renderView));
  const filter = els.status && els.status.closest(".list-filter");
  if (filter) filter.hidden = Boolean(state.view); // a view carries its own status filter
}

// --- the form -----------------------------------------------------------------------------------------------------

function checks(name, values, chosen, label) {
  return h("fieldset", { className: "view-checks", dataset: { filter: name } },
    h("legend", {}, t(`views.filter.${name}`)),
    values.map((value) => h("label", { className: "view-check" },
      h("input", { type: "checkbox", name, value, checked: (chosen || []).includes(value) }),
      " ", label(value))));
}

function select(name, options, chosen) {
  return h("label", {}, t(`views.filter.${name}`),
    h("select", { name }, options.map(([value, text]) => h("option", { value, selected: value === (chosen || "") }, text))));
}

const dateOf = (iso) => (iso ? iso.slice(0, 10) : "");
/** A date input's day as the start of that day here (from), or the start of the next day (to: exclusive). */
function dayStart(value, next = false) {
  if (!value) return null;
  const d = new Date(`${value}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
}
function dayBefore(iso) {
  if (!iso) return "";
  const d = new Date(Date.parse(iso) - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function openForm(view) {
  if (dialog) dialog.remove();
  const f = (view && view.filters) || {};
  const error = h("p", { className: "form-error", role: "alert", hidden: true });
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 80, value: view ? view.name : "" });
  const share = state.seesAll
    ? h("label", { className: "view-check" },
      h("input", { type: "checkbox", name: "share", checked: Boolean(view && view.shared === "everyone") }),
      " ", t("views.share_everyone"))
    : null;
  const form = h(
    "form",
    { method: "dialog", id: "view-form" },
    h("h2", {}, t(view ? "views.edit_title" : "views.new_title")),
    h("label", {}, t("views.name"), name),
    checks("channel", CHANNELS, f.channel, (c) => t(`channel.${c}`)),
    checks("status", STATUSES, f.status, (s) => t(`status.${s}`)),
    checks("priority", PRIORITIES, f.priority, (p) => t(`priority.${p}`)),
    checks("sla", SLA_STATES, f.sla, (s) => t(`views.sla.${s}`)),
    select("assignee", [["", t("views.any")], ["me", t("views.assignee_me")], ["none", t("views.assignee_none")],
      ...state.users.map((u) => [u.id, u.name])], f.assignee),
    select("department", [["", t("views.any")], ...state.departments.map((d) => [d.id, d.name])], f.department),
    h("label", {}, t("views.filter.tag"), h("input", { type: "text", name: "tag", maxlength: 50, value: f.tag || "" })),
    h("div", { className: "view-dates" },
      h("label", {}, t("views.filter.created_from"), h("input", { type: "date", name: "created_from", value: dateOf(f.created_from) })),
      h("label", {}, t("views.filter.created_to"), h("input", { type: "date", name: "created_to", value: dayBefore(f.created_to) }))),
    h("div", { className: "view-dates" },
      h("label", {}, t("views.filter.last_message_from"),
        h("input", { type: "date", name: "last_message_from", value: dateOf(f.last_message_from) })),
      h("label", {}, t("views.filter.last_message_to"),
        h("input", { type: "date", name: "last_message_to", value: dayBefore(f.last_message_to) }))),
    share,
    error,
    h("div", { className: "task-dialog-foot" },
      view ? h("button", { type: "button", className: "btn btn-ghost view-delete", onclick: () => remove(view) }, t("views.delete")) : null,
      h("button", { type: "button", className: "btn btn-ghost", onclick: () => dialog.close() }, t("views.cancel")),
      h("button", { type: "submit", className: "btn btn-primary" }, t("views.save"))),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    save(view, form, error);
  });
  dialog = h("dialog", { className: "task-dialog view-dialog", id: "view-dialog", "aria-labelledby": "view-form-title" }, form);
  form.querySelector("h2").id = "view-form-title";
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}

// filters the form does not show (set through the API) are kept as they are
const KEPT = ["handler"];

function filtersOf(form, view) {
  const all = (n) => [...form.querySelectorAll(`input[name="${n}"]:checked`)].map((i) => i.value);
  const value = (n) => form.elements[n].value.trim();
  const filters = { channel: all("channel"), status: all("status"), priority: all("priority"), sla: all("sla") };
  for (const key of KEPT) if (view && view.filters && view.filters[key]) filters[key] = view.filters[key];
  for (const n of ["assignee", "department", "tag"]) if (value(n)) filters[n] = value(n);
  for (const range of ["created", "last_message"]) {
    const from = dayStart(value(`${range}_from`));
    const to = dayStart(value(`${range}_to`), true);
    if (from) filters[`${range}_from`] = from;
    if (to) filters[`${range}_to`] = to;
  }
  return filters;
}

async function save(view, form, error) {
  const body = { name: form.elements.name.value.trim(), filters: filtersOf(form, view) };
  if (form.elements.share) {
    const everyone = form.elements.share.checked;
    if (!view || everyone !== (view.shared === "everyone")) body.shared = everyone ? "everyone" : "none";
  }
  let saved;
  try {
    saved = view
      ? await api("PATCH", `/api/v1/views/${enc(view.id)}`, body)
      : await api("POST", "/api/v1/views", body);
  } catch (err) {
    error.hidden = false;
    // a new view's 409: the user keeps the most views one may (hub.domain_views.MAX_VIEWS_PER_OWNER)
    error.textContent = !view && err && err.status === 409 ? t("views.too_many") : errorText(err);
    return;
  }
  dialog.close();
  const i = state.views.findIndex((v) => v.id === saved.id);
  if (i >= 0) state.views[i] = saved;
  else state.views.push(saved);
  state.views.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1));
  selectView(saved.id);
  loadCounts();
}

async function remove(view) {
  try {
    await api("DELETE", `/api/v1/views/${enc(view.id)}`);
  } catch (err) {
    toast(errorText(err));
    return;
  }
  dialog.close();
  state.views = state.views.filter((v) => v.id !== view.id);
  if (state.view === view.id) {
    leaveView();
    fallbackTab();
  }
  renderViews();
}
