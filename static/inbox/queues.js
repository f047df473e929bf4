/* The queue panel for supervisors: per department its assignment policy, how many conversations wait (the oldest
 * ones, openable) and its agents' loads, from GET /api/v1/assignment/queues. The button shows for the roles the
 * server says see everything (config.sees_everything, kept up to date by access:changed); the server answers 403 to
 * anyone else, and the panel says so. While open it follows the live events that move queues (debounced).
 */
import { api, errorText } from "./api.js";
import { openConversation } from "./conversation.js";
import { h, state, t } from "./core.js";
import { clientName, formatTime, translatedOr } from "./format.js";

let button = null;
let panel = null;
let list = null;
let reloadTimer = null;
let loadSeq = 0;

function build() {
  const anchor = document.querySelector(".bell-wrap");
  list = h("div", { className: "queues-list", id: "queues-list" });
  panel = h(
    "section",
    { className: "tasks-panel queues-panel", id: "queues-panel", hidden: true, "aria-labelledby": "queues-heading" },
    h("div", { className: "tasks-panel-head" },
      h("h2", { id: "queues-heading" }, t("queues.title")),
      h("button", { type: "button", className: "link-btn", id: "queues-close", onclick: () => togglePanel(false) },
        t("tasks.close"))),
    list,
  );
  button = h("button", { type: "button", className: "btn btn-ghost", id: "queues-button", "aria-haspopup": "true",
    "aria-expanded": "false", onclick: (e) => { e.stopPropagation(); togglePanel(); } }, t("queues.title"));
  anchor.before(h("div", { className: "tasks-wrap queues-wrap" }, button, panel));
}

function conversationLabel(id) {
  const c = state.conversations.get(id);
  return c ? clientName(state.clients.get(c.client_id)) : t("queues.conversation");
}

function renderDepartment(q) {
  const agents = q.agents || [];
  return h(
    "section",
    { className: "queue", dataset: { departmentId: q.department.id, waiting: q.waiting } },
    h("div", { className: "task-row" },
      h("strong", { className: "queue-name" }, q.department.name),
      h("span", { className: "badge" }, translatedOr(`queues.policy.${q.department.assignment}`, q.department.assignment)),
      h("span", { className: `queue-waiting${q.waiting ? " busy" : ""}` }, t("queues.waiting", { count: q.waiting }))),
    q.oldest && q.oldest.length
      ? h("ol", { className: "queue-oldest" }, q.oldest.map((w) => h("li", { dataset: { conversationId: w.conversation_id } },
        h("button", { type: "button", className: "link-btn",
          onclick: () => { togglePanel(false); openConversation(w.conversation_id); } }, conversationLabel(w.conversation_id)),
        " ", h("time", { className: "muted", datetime: w.since }, t("queues.since", { time: formatTime(w.since) })))))
      : null,
    agents.length
      ? h("ul", { className: "queue-agents" }, agents.map((a) => h("li", { dataset: { userId: a.user_id, open: a.open } },
        h("span", {}, a.name), " ",
        h("span", { className: "muted" }, a.capacity ? t("queues.load", { open: a.open, capacity: a.capacity })
          : t("queues.load_open", { open: a.open })))))
      : h("p", { className: "muted" }, t("queues.no_agents")),
  );
}

async function load() {
  const seq = ++loadSeq;
  let body;
  try {
    body = await api("GET", "/api/v1/assignment/queues");
  } catch (err) {
    if (seq === loadSeq) list.replaceChildren(h("p", { className: "form-error", role: "alert" }, errorText(err)));
    return;
  }
  if (seq !== loadSeq || panel.hidden) return;
  list.replaceChildren(...(body.items.length ? body.items.map(renderDepartment) : [h("p", { className: "empty" }, t("queues.empty"))]));
  panel.dataset.loads = String(Number(panel.dataset.loads || 0) + 1); // for tests: how many answers were shown
}

function togglePanel(open) {
  const show = open === undefined ? panel.hidden : open;
  panel.hidden = !show;
  button.setAttribute("aria-expanded", String(show));
  if (show) load();
}

function soon() {
  if (!panel || panel.hidden) return;
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 400);
}

/** The live events after which a queue may look different (socket.js calls this once per socket). */
export function watchQueues(socket) {
  for (const event of ["conversation:updated", "conversation:removed", "timeline:new", "presence"]) socket.on(event, soon);
}

export function renderQueues() {
  if (!button) build();
  button.hidden = !state.seesAll;
  button.textContent = t("queues.title");
  panel.querySelector("#queues-heading").textContent = t("queues.title");
  panel.querySelector("#queues-close").textContent = t("tasks.close");
  if (!state.seesAll) panel.hidden = true;
  else if (!panel.hidden) load();
}
