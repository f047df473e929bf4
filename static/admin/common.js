/* What every section of the admin area shares: the inbox's REST helper and DOM builder, who the user is, the
 * departments / users / organisations several sections show by name, and small form builders. */
import { api, enc, errorText } from "../inbox/api.js";
import { I18N, config, fill, h, me, t } from "../inbox/core.js";

export { I18N, api, config, enc, errorText, fill, h, me, t };

/** Admins change things; supervisors read (the server decides either way: it answers 403 otherwise). */
export const canManage = Boolean(config.can_manage);

// the lists more than one section names things from; main.js loads them, a section that changes one reloads it
export const shared = { users: [], departments: [], partners: [] };

export async function loadShared() {
  const [users, departments, partners] = await Promise.all([
    api("GET", "/api/v1/users").then((r) => r.items).catch(() => shared.users),
    api("GET", "/api/v1/departments").then((r) => r.items).catch(() => shared.departments),
    api("GET", "/api/v1/partners").then((r) => r.items).catch(() => shared.partners),
  ]);
  Object.assign(shared, { users, departments, partners });
}

export const departmentName = (id) => (shared.departments.find((d) => d.id === id) || {}).name || id;
export const partnerName = (id) => (shared.partners.find((p) => p.id === id) || {}).name || id;

/** A labelled control: <label><span>text</span> control</label> (the label names the control). */
export const field = (key, control, extra = "") => h("label", { className: `admin-field ${extra}` }, h("span", {}, t(key)), control);

export const input = (attrs) => h("input", { type: "text", autocomplete: "off", ...attrs });

export function select(options, value, attrs = {}) {
  const el = h("select", attrs, ...options.map(([v, label]) => h("option", { value: v }, label)));
  el.value = value ?? "";
  return el;
}

/** Checkboxes in a fieldset with a legend: one per department; `chosen` ticked. */
export function departmentBoxes(chosen, name) {
  const boxes = shared.departments.map((d) => h("label", { className: "admin-check" },
    h("input", { type: "checkbox", name, value: d.id, checked: chosen.includes(d.id) }), " ", d.name));
  return h("fieldset", { className: "admin-fieldset" }, h("legend", {}, t("admin.user_departments")),
    boxes.length ? boxes : h("span", { className: "muted" }, t("admin.no_departments")));
}

export const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((b) => b.value);

/** Run `work` for a form's button: the button is disabled meanwhile; the API's error shows in `out` (role=alert). */
export async function submitting(button, out, work) {
  button.disabled = true;
  out.textContent = "";
  out.classList.remove("admin-ok");
  try {
    const done = await work();
    if (done) {
      out.textContent = done;
      out.classList.add("admin-ok");
    }
    return true;
  } catch (err) {
    const told = err && (err.status === 400 || err.status === 409) && err.message;
    out.textContent = told ? `${t("admin.refused")} ${err.message}` : errorText(err);
    return false;
  } finally {
    button.disabled = false;
  }
}

export const message = (extra = "") => h("p", { className: `form-error admin-message ${extra}`, role: "alert" });

/** The error of a section's load, or its "nothing here" text. */
export const problem = (text) => h("p", { className: "form-error", role: "alert" }, text);
export const nothing = (key) => h("p", { className: "muted admin-empty" }, t(key));

export const badge = (text, kind = "") => h("span", { className: `badge admin-badge ${kind}` }, text);
