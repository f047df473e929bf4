/* Tasks: the "Create task" dialog (from a timeline entry or a conversation), the open tasks of the client card,
 * the "My tasks" panel (assigned to me, plus my departments' unassigned), status changes and the checklist.
 * Live from task:created / task:updated / task:removed (socket.js). Which tasks exist for this user is the
 * server's answer (lists and pushes); this module only picks, among them, what each view shows.
 */
import { api, enc, errorText, toast } from "./api.js";
import { openConversation } from "./conversation.js";
import { h, keepingInput, me, state, t } from "./core.js";
import { clientName, formatTime } from "./format.js";
import { ensureClient } from "./list.js";

export const TASK_STATUSES = ["open", "in_progress", "done", "cancelled"];
const PRIORITIES = ["low", "normal", "high", "urgent"];
const active = (task) => task.status === "open" || task.status === "in_progress";

const $ = (id) => document.getElementById(id);
const tels = {
  button: $("my-tasks"),
  count: $("my-tasks-count"),
  panel: $("tasks-panel"),
  close: $("tasks-close"),
  list: $("tasks-list"),
  empty: $("tasks-empty"),
  dialog: $("task-dialog"),
  form: $("task-form"),
  title: $("task-title"),
  assignee: $("task-assignee"),
  department: $("task-department"),
  due: $("task-due"),
  priority: $("task-priority"),
  error: $("task-error"),
  cancel: $("task-cancel"),
};

const tasks = new Map();
// what a view has shown since it was loaded: a task finished here stays in sight (struck through) until a reload
const shownOnCard = new Set();
const shownInPanel = new Set();
let draft = null;
const askedClients = new Set(); // the panel names each task's client: one request for one the page lacks

// --- the data ------------------------------------------------------------------------------------------------

export function upsertTask(task) {
  if (!task || !task.id) return;
  const known = tasks.get(task.id);
  if (known && Date.parse(known.updated_at) > Date.parse(task.updated_at)) return;
  tasks.set(task.id, task);
  renderTaskViews();
}

export function removeTask(id) {
  tasks.delete(id);
  shownOnCard.delete(id);
  shownInPanel.delete(id);
  renderTaskViews();
}

const mine = (task) =>
  task.assignee_id === me.id || (!task.assignee_id && state.myDepartments.includes(task.department_id));

function onCard(task) {
  return task.client_id === state.openClientId && (active(task) || shownOnCard.has(task.id));
}

function inPanel(task) {
  return (active(task) && mine(task)) || shownInPanel.has(task.id);
}

const byDue = (a, b) =>
  (Date.parse(a.due_at) || Infinity) - (Date.parse(b.due_at) || Infinity) || (a.id < b.id ? 1 : -1);

async function fetchAll(query) {
  const params = new URLSearchParams({ ...query, open: "true", limit: "100" });
  const page = await api("GET", `/api/v1/tasks?${params}`);
  for (const task of page.items) tasks.set(task.id, task);
  return page.items;
}

/** The open tasks of the card's client (the card calls it when it opens a client). */
export async function loadClientTasks(clientId) {
  shownOnCard.clear();
  try {
    await fetchAll({ client_id: clientId });
  } catch (err) {
    toast(errorText(err));
  }
  renderTaskViews();
}

export async function loadMyTasks() {
  try {
    const pages = await Promise.all([
      fetchAll({ assignee: "me" }),
      ...state.myDepartments.map((id) => fetchAll({ department: id })),
    ]);
    shownInPanel.clear();
    for (const page of pages) for (const task of page) if (inPanel(task)) shownInPanel.add(task.id);
  } catch (err) {
    toast(errorText(err));
  }
  renderTaskViews();
}

/** PATCH a task; true when the server took it (its answer is drawn), false after an error toast. */
async function patchTask(task, changes, control) {
  if (control) control.disabled = true;
  try {
    upsertTask(await api("PATCH", `/api/v1/tasks/${enc(task.id)}`, changes));
    return true;
  } catch (err) {
    toast(errorText(err));
    renderTaskViews();
    return false;
  } finally {
    if (control) control.disabled = false;
  }
}

// --- rendering -----------------------------------------------------------------------------------------------

function ownerText(task) {
  if (task.assignee_id) {
    if (task.assignee_id === me.id) return t("list.assigned_me");
    const user = state.users.find((u) => u.id === task.assignee_id);
    return user ? user.name : t("user.unknown");
  }
  const department = state.departments.find((d) => d.id === task.department_id);
  return department ? department.name : t("act.unassigned");
}

function checklist(task, where) {
  const items = task.checklist || [];
  const toggle = (i, box) =>
    patchTask(task, { checklist: items.map((item, j) => (j === i ? { ...item, done: box.checked } : item)) }, box);
  const keep = `task-check:${where}:${task.id}`; // (core.js keepingInput: a redraw keeps what is typed here)
  const input = h("input", { type: "text", className: "task-check-input", maxlength: 200, dataset: { keep, keepText: "" },
    placeholder: t("tasks.add_item"), "aria-label": t("tasks.add_item") });
  return h(
    "div",
    { className: "task-checklist" },
    items.length
      ? h("ul", {}, items.map((item, i) => h("li", { className: item.done ? "done" : "" },
        h("label", {},
          h("input", { type: "checkbox", checked: item.done, onchange: (e) => toggle(i, e.currentTarget) }),
          " ", item.text))))
      : null,
    h(
      "form",
      {
        className: "task-check-add",
        onsubmit: async (e) => {
          e.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          // emptied before the answer: the redraw that the answer brings keeps what is typed (renderTaskViews)
          const typed = input.value;
          input.value = "";
          const added = await patchTask(task, { checklist: [...items, { text, done: false }] }, input);
          // the field, where the redraw put it: ready for the next item, or (refused: an error toast says why)
          // with the text typed in again
          const field = document.querySelector(`[data-keep="${CSS.escape(keep)}"]`) || input;
          if (!added && !field.value) field.value = typed;
          field.focus();
        },
      },
      input,
      h("button", { type: "submit", className: "btn btn-small" }, t("tasks.add")),
    ),
  );
}

/** The panel's line of whose task it is: the client's name (asked for once when the page does not hold it). */
function taskClient(task) {
  const client = state.clients.get(task.client_id);
  if (!client && task.client_id && !askedClients.has(task.client_id)) {
    askedClients.add(task.client_id);
    Promise.resolve(ensureClient(task.client_id)).then(() => renderTaskViews(), () => {});
  }
  return client ? h("span", { className: "task-client" }, clientName(client)) : null;
}

export function renderTask(task, { link = false } = {}) {
  const overdue = active(task) && task.due_at && Date.parse(task.due_at) < Date.now();
  const status = h("select", { className: "task-status", "aria-label": t("tasks.status"),
    onchange: (e) => patchTask(task, { status: e.currentTarget.value }, e.currentTarget) },
  TASK_STATUSES.map((s) => h("option", { value: s, selected: s === task.status }, t(`task_status.${s}`))));
  return h(
    "li",
    { className: `task task-${task.status}`, dataset: { taskId: task.id, status: task.status, priority: task.priority } },
    h(
      "div",
      { className: "task-row" },
      h("span", { className: "task-title" }, task.title),
      task.priority !== "normal"
        ? h("span", { className: `badge priority priority-${task.priority}` }, t(`task_priority.${task.priority}`))
        : null,
    ),
    h(
      "div",
      { className: "task-row muted" },
      link ? taskClient(task) : null,
      h("span", { className: "task-owner" }, ownerText(task)),
      task.due_at
        ? h("time", { className: `task-due${overdue ? " overdue" : ""}`, datetime: task.due_at },
          t(overdue ? "tasks.overdue" : "tasks.due", { time: formatTime(task.due_at) }))
        : null,
      link && task.conversation_id
        ? h("button", { type: "button", className: "link-btn task-open",
          onclick: () => { togglePanel(false); openConversation(task.conversation_id); } }, t("tasks.open_conversation"))
        : null,
    ),
    status,
    checklist(task, link ? "panel" : "card"),
  );
}

/** The card's section of open tasks (card.js puts it among its sections). */
export function cardTasksSection() {
  const list = [...tasks.values()].filter(onCard).sort(byDue);
  for (const task of list) shownOnCard.add(task.id);
  return h(
    "section",
    { className: "card-section card-tasks", id: "card-tasks" },
    h("h3", {}, t("card.tasks")),
    list.length ? h("ul", { className: "task-list" }, list.map((task) => renderTask(task))) : h("p", { className: "muted" }, t("card.none")),
  );
}

export function renderTaskViews() {
  keepingInput(drawTaskViews); // what is typed into a checklist's field survives a task's change
}

function drawTaskViews() {
  const section = $("card-tasks");
  if (section) section.replaceWith(cardTasksSection());
  const list = [...tasks.values()].filter(inPanel).sort(byDue);
  for (const task of list) shownInPanel.add(task.id);
  const open = list.filter(active).length;
  tels.count.hidden = open === 0;
  tels.count.textContent = String(open);
  tels.button.dataset.count = String(open);
  tels.empty.hidden = list.length > 0;
  if (!tels.panel.hidden) tels.list.replaceChildren(...list.map((task) => renderTask(task, { link: true })));
}

function togglePanel(open) {
  const show = open === undefined ? tels.panel.hidden : open;
  tels.panel.hidden = !show;
  tels.button.setAttribute("aria-expanded", String(show));
  if (show) {
    renderTaskViews();
    loadMyTasks();
  }
}

// --- the "Create task" dialog ----------------------------------------------------------------------------------

function options(select, items, value) {
  select.replaceChildren(...items.map(([id, label]) => h("option", { value: id }, label)));
  select.value = value;
}

/** Open the dialog for a task on `context`: {client_id, conversation_id?, entry_id?, title}. */
export function openTaskDialog(context) {
  draft = context;
  const staff = state.users.filter((u) => u.active && u.role !== "partner");
  options(tels.assignee, [["", t("act.unassigned")], ...staff.map((u) => [u.id, u.name])], me.id);
  options(tels.department, [["", t("act.no_department")], ...state.departments.map((d) => [d.id, d.name])], "");
  options(tels.priority, PRIORITIES.map((p) => [p, t(`task_priority.${p}`)]), "normal");
  tels.title.value = context.title.slice(0, 200);
  tels.due.value = "";
  tels.error.textContent = "";
  tels.dialog.showModal();
  tels.title.select();
}

export function taskFromEntry(entry) {
  const text = (entry.text || "").split("\n").map((line) => line.trim()).find(Boolean) || "";
  const client = state.clients.get(entry.client_id);
  return {
    client_id: entry.client_id,
    conversation_id: entry.conversation_id || null,
    entry_id: entry.id,
    title: text ? text.slice(0, 120) : t("taskform.follow_up", { name: clientName(client) }),
  };
}

export function taskFromConversation(c) {
  return { client_id: c.client_id, conversation_id: c.id, entry_id: null,
    title: t("taskform.follow_up", { name: clientName(state.clients.get(c.client_id)) }) };
}

async function submitTask() {
  if (!draft) return;
  const body = {
    title: tels.title.value.trim(),
    client_id: draft.client_id,
    conversation_id: draft.conversation_id,
    entry_id: draft.entry_id,
    assignee_id: tels.assignee.value || null,
    department_id: tels.department.value || null,
    priority: tels.priority.value,
  };
  if (!body.title) {
    tels.error.textContent = t("taskform.title_needed");
    return;
  }
  if (tels.due.value) {
    const due = new Date(tels.due.value);
    if (Number.isNaN(due.getTime())) {
      tels.error.textContent = t("taskform.bad_due");
      return;
    }
    body.due_at = due.toISOString();
  }
  const submit = tels.form.querySelector("[type=submit]");
  submit.disabled = true;
  try {
    const task = await api("POST", "/api/v1/tasks", body);
    upsertTask(task);
    tels.dialog.close();
    draft = null;
    toast(t("taskform.created"));
  } catch (err) {
    tels.error.textContent = errorText(err);
  } finally {
    submit.disabled = false;
  }
}

export function wireTasks() {
  tels.button.addEventListener("click", (e) => {
    e.stopPropagation();
    togglePanel();
  });
  tels.close.addEventListener("click", () => togglePanel(false));
  tels.form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitTask();
  });
  tels.cancel.addEventListener("click", () => tels.dialog.close());
}
