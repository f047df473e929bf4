/* Users: the staff and partner users (GET /api/v1/users); admins add one (POST), change a role, departments or
 * capacity, set a new password, deactivate or reactivate (PATCH /api/v1/users/{id}). Deactivating ends the user's
 * sessions at once: the server bumps their token version and disconnects their open sockets. */
import {
  api, badge, canManage, checked, departmentBoxes, departmentName, enc, field, fill, h, input, loadShared, me,
  message, nothing, partnerName, problem, select, shared, submitting, t,
} from "./common.js";

const body = () => document.getElementById("users-body");
const ROLES = ["agent", "supervisor", "admin", "partner"];
let error = "";

const roleOptions = () => ROLES.map((r) => [r, t(`admin.role_${r}`)]);

export async function loadUsers() {
  try {
    shared.users = (await api("GET", "/api/v1/users")).items;
    error = "";
  } catch (err) {
    error = err.message || String(err);
  }
  renderUsers();
}

function createForm() {
  const out = message();
  const org = select([["", "—"], ...shared.partners.map((p) => [p.id, p.name])], "", { name: "partner_id" });
  const orgField = field("admin.user_partner", org);
  const role = select(roleOptions(), "agent", { name: "role", id: "new-user-role" });
  const password = input({ type: "password", name: "password", id: "new-user-password", minlength: 8, required: true, autocomplete: "new-password" });
  const form = h("form", { className: "admin-form", id: "new-user-form" },
    h("h3", {}, t("admin.user_add")),
    h("div", { className: "admin-grid" },
      field("admin.user_name", input({ name: "name", id: "new-user-name", required: true, maxlength: 200 })),
      field("admin.user_email", input({ type: "email", name: "email", id: "new-user-email", required: true, maxlength: 254 })),
      field("admin.user_role", role),
      field("admin.user_password", password),
      orgField),
    departmentBoxes([], "department_ids"),
    h("p", { className: "muted admin-hint" }, t("admin.user_language_hint")),
    h("div", { className: "admin-actions" }, h("button", { type: "submit", className: "btn btn-primary", id: "new-user-submit" }, t("admin.user_add_submit"))),
    out);
  const showOrg = () => { orgField.hidden = role.value !== "partner"; };
  role.addEventListener("change", showOrg);
  showOrg();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const payload = {
      name: data.get("name"), email: data.get("email"), role: data.get("role"), password: data.get("password"),
      department_ids: checked(form, "department_ids"),
    };
    if (payload.role === "partner" && data.get("partner_id")) payload.partner_id = data.get("partner_id");
    let created = null;
    const ok = await submitting(form.querySelector("button[type=submit]"), out, async () => {
      created = await api("POST", "/api/v1/users", payload);
    });
    if (ok) {
      await loadShared();
      renderUsers();
      const status = document.getElementById("users-status");
      if (status) status.textContent = t("admin.user_added", { name: created.name });
    }
  });
  return form;
}

function editForm(user) {
  const out = message();
  const capacity = input({ type: "number", name: "capacity", min: 0, max: 1000, value: user.capacity ?? "", placeholder: t("admin.no_limit") });
  const form = h("form", { className: "admin-form admin-edit" },
    h("div", { className: "admin-grid" },
      field("admin.user_name", input({ name: "name", value: user.name, required: true, maxlength: 200 })),
      field("admin.user_role", select(roleOptions(), user.role, { name: "role", disabled: user.id === me.id })),
      field("admin.user_capacity", capacity)),
    user.role === "partner" ? null : departmentBoxes(user.department_ids || [], "department_ids"),
    h("div", { className: "admin-actions" }, h("button", { type: "submit", className: "btn btn-primary btn-small" }, t("admin.save"))),
    out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const patch = { name: data.get("name"), capacity: data.get("capacity") === "" ? null : Number(data.get("capacity")) };
    if (user.id !== me.id) patch.role = data.get("role");
    if (user.role !== "partner") patch.department_ids = checked(form, "department_ids");
    const ok = await submitting(form.querySelector("button[type=submit]"), out, async () => {
      await api("PATCH", `/api/v1/users/${enc(user.id)}`, patch);
    });
    if (ok) await reloadWith(user.id, t("admin.saved"));
  });
  return form;
}

function passwordForm(user) {
  const out = message();
  const form = h("form", { className: "admin-form admin-inline" },
    field("admin.user_new_password", input({ type: "password", name: "password", minlength: 8, required: true, autocomplete: "new-password" })),
    h("button", { type: "submit", className: "btn btn-small" }, t("admin.user_set_password")),
    out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const password = new FormData(form).get("password");
    await submitting(form.querySelector("button[type=submit]"), out, async () => {
      await api("PATCH", `/api/v1/users/${enc(user.id)}`, { password });
      form.reset();
      return t("admin.user_password_set");
    });
  });
  return form;
}

function activeButton(user) {
  const out = message();
  const button = h("button", { type: "button", className: `btn btn-small ${user.active ? "admin-danger" : ""}`, dataset: { action: user.active ? "deactivate" : "reactivate" } },
    t(user.active ? "admin.user_deactivate" : "admin.user_reactivate"));
  button.addEventListener("click", async () => {
    const ok = await submitting(button, out, async () => {
      await api("PATCH", `/api/v1/users/${enc(user.id)}`, { active: !user.active });
    });
    if (ok) await reloadWith(user.id, t(user.active ? "admin.user_deactivated" : "admin.user_reactivated"));
  });
  return h("div", { className: "admin-inline" }, button, h("span", { className: "muted admin-hint" }, t(user.active ? "admin.user_deactivate_hint" : "admin.user_reactivate_hint")), out);
}

async function reloadWith(userId, text) {
  await loadUsers();
  const row = document.querySelector(`[data-user-id="${CSS.escape(userId)}"]`);
  if (row) {
    row.querySelector("details")?.setAttribute("open", "");
    const status = row.querySelector(".admin-row-status");
    if (status) status.textContent = text;
  }
}

function userRow(user) {
  const departments = (user.department_ids || []).map(departmentName);
  return h("li", { className: `admin-item${user.active ? "" : " admin-inactive"}`, dataset: { userId: user.id, state: user.active ? "active" : "inactive" } },
    h("div", { className: "admin-item-head" },
      h("strong", { className: "admin-item-name" }, user.name), " ",
      h("span", { className: "muted admin-email" }, user.email), " ",
      badge(t(`admin.role_${user.role}`), `role-${user.role}`),
      user.active ? null : badge(t("admin.user_inactive"), "admin-badge-off")),
    h("dl", { className: "fields" },
      user.role === "partner"
        ? [h("dt", {}, t("admin.user_partner")), h("dd", {}, user.partner_id ? partnerName(user.partner_id) : "—")]
        : [h("dt", {}, t("admin.user_departments")), h("dd", {}, departments.join(", ") || "—")],
      h("dt", {}, t("admin.user_capacity")), h("dd", {}, user.capacity == null ? t("admin.no_limit") : String(user.capacity))),
    h("p", { className: "admin-ok admin-row-status", role: "status" }),
    canManage
      ? h("details", { className: "admin-details" }, h("summary", {}, t("admin.edit")),
        editForm(user), passwordForm(user), user.id === me.id ? null : activeButton(user))
      : null);
}

export function renderUsers() {
  const el = body();
  const users = [...shared.users].sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
  fill(el,
    canManage ? createForm() : null,
    h("p", { className: "admin-ok", id: "users-status", role: "status" }),
    error ? problem(error) : null,
    !error && !users.length ? nothing("admin.users_none") : null,
    h("ul", { className: "admin-list", id: "users-list" }, ...users.map(userRow)));
}
