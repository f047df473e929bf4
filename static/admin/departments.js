/* Departments (GET /api/v1/departments): admins add one (POST), rename it, choose how it hands conversations out
 * (manual, round robin, least loaded) and how long an agent has to accept one (PATCH /api/v1/departments/{id}).
 * Agents' capacities are set per user (Users). */
import {
  api, badge, canManage, enc, field, fill, h, input, loadShared, message, nothing, problem, select, shared,
  submitting, t,
} from "./common.js";
import { renderUsers } from "./users.js";

const body = () => document.getElementById("departments-body");
const MODES = ["manual", "round_robin", "least_loaded"];
let error = "";

const modeOptions = () => MODES.map((m) => [m, t(`admin.assign_${m}`)]);

export async function loadDepartments() {
  try {
    shared.departments = (await api("GET", "/api/v1/departments")).items;
    error = "";
  } catch (err) {
    error = err.message || String(err);
  }
  renderDepartments();
}

async function changed(statusText, id) {
  await loadShared();
  renderDepartments();
  renderUsers(); // department names and checkboxes there
  const status = id ? document.querySelector(`[data-department-id="${CSS.escape(id)}"] .admin-row-status`) : document.getElementById("departments-status");
  if (status) status.textContent = statusText;
}

function createForm() {
  const out = message();
  const form = h("form", { className: "admin-form admin-inline", id: "new-department-form" },
    field("admin.department_new", input({ name: "name", id: "new-department-name", required: true, maxlength: 100 })),
    h("button", { type: "submit", className: "btn btn-primary", id: "new-department-submit" }, t("admin.department_add")),
    out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = new FormData(form).get("name");
    let created = null;
    const ok = await submitting(form.querySelector("button"), out, async () => {
      created = await api("POST", "/api/v1/departments", { name });
    });
    if (ok) await changed(t("admin.department_added", { name: created.name }));
  });
  return form;
}

function editForm(department) {
  const out = message();
  const form = h("form", { className: "admin-form admin-edit" },
    h("div", { className: "admin-grid" },
      field("admin.department_name", input({ name: "name", value: department.name, required: true, maxlength: 100 })),
      field("admin.department_assignment", select(modeOptions(), department.assignment, { name: "assignment" })),
      field("admin.department_accept", input({ type: "number", name: "accept_minutes", min: 0, max: 1440, value: department.accept_minutes ?? "", placeholder: t("admin.never") }))),
    h("div", { className: "admin-actions" }, h("button", { type: "submit", className: "btn btn-primary btn-small" }, t("admin.save"))),
    out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const patch = { assignment: data.get("assignment") };
    if (data.get("name") !== department.name) patch.name = data.get("name");
    if (data.get("accept_minutes") !== "") patch.accept_minutes = Number(data.get("accept_minutes"));
    const ok = await submitting(form.querySelector("button"), out, async () => {
      await api("PATCH", `/api/v1/departments/${enc(department.id)}`, patch);
    });
    if (ok) await changed(t("admin.saved"), department.id);
  });
  return form;
}

function departmentRow(department) {
  const members = shared.users.filter((u) => u.active && (u.department_ids || []).includes(department.id));
  return h("li", { className: "admin-item", dataset: { departmentId: department.id } },
    h("div", { className: "admin-item-head" },
      h("strong", { className: "admin-item-name" }, department.name), " ",
      badge(t(`admin.assign_${department.assignment}`))),
    h("dl", { className: "fields" },
      h("dt", {}, t("admin.department_members")),
      h("dd", {}, members.map((u) => u.name).join(", ") || "—"),
      h("dt", {}, t("admin.department_accept")),
      h("dd", {}, department.accept_minutes ? t("admin.minutes", { n: department.accept_minutes }) : t("admin.never"))),
    h("p", { className: "admin-ok admin-row-status", role: "status" }),
    canManage ? h("details", { className: "admin-details" }, h("summary", {}, t("admin.edit")), editForm(department)) : null);
}

export function renderDepartments() {
  const departments = [...shared.departments].sort((a, b) => a.name.localeCompare(b.name));
  fill(body(),
    canManage ? createForm() : null,
    h("p", { className: "admin-ok", id: "departments-status", role: "status" }),
    error ? problem(error) : null,
    !error && !departments.length ? nothing("admin.departments_none") : null,
    h("ul", { className: "admin-list", id: "departments-list" }, ...departments.map(departmentRow)));
}
