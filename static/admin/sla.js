/* SLA policies (GET /api/v1/sla/policies): the business hours and each policy in the order they are tried —
 * departments, priorities, the first-response and resolution targets, the warning, and the hours counted. Admins
 * edit them as YAML below the list (PUT {yaml}, validated like config/sla.yaml, problems by line: yaml_editor.js);
 * the new set applies to clocks started or recomputed after it. */
import { api, canManage, fill, h, nothing, problem, t } from "./common.js";
import { yamlEditor } from "./yaml_editor.js";

const body = () => document.getElementById("sla-body");
let data = null;
let error = "";
const editor = yamlEditor({
  id: "sla",
  path: "/api/v1/sla/policies",
  label: () => t("admin.sla_label"),
  savedText: (saved) => t("admin.sla_saved", { n: (saved.policies || []).length }),
  afterSave: (saved) => { data = saved; },
});
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export async function loadSla() {
  try {
    data = await api("GET", "/api/v1/sla/policies");
    editor.model.data = data;
    editor.model.draft = null;
    error = "";
  } catch (err) {
    error = err.message || String(err);
  }
  renderSla();
}

const minutes = (n) => (n == null ? "—" : n % 60 === 0 ? t("admin.hours", { n: n / 60 }) : t("admin.minutes", { n }));

const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/** A day's open spans: [[540, 1080]] (minutes after midnight) -> "09:00–18:00"; none: closed. */
function spans(value) {
  if (!Array.isArray(value) || !value.length) return t("admin.closed");
  return value.map((s) => (Array.isArray(s) ? `${clock(s[0])}–${clock(s[1])}` : String(s))).join(", ");
}

function hoursBlock(hours) {
  if (!hours) return h("p", { className: "muted" }, t("admin.sla_no_hours"));
  const weekly = hours.weekly || {};
  return h("div", { className: "admin-item", id: "sla-hours" },
    h("div", { className: "admin-item-head" }, h("strong", {}, t("admin.sla_business_hours")), " ", h("span", { className: "muted" }, hours.timezone || "")),
    h("dl", { className: "fields" }, ...DAYS.flatMap((d) => [h("dt", {}, t(`admin.day_${d}`)), h("dd", {}, spans(weekly[d]))])));
}

function policyRow(policy, index) {
  return h("li", { className: "admin-item", dataset: { policy: policy.name } },
    h("div", { className: "admin-item-head" }, h("span", { className: "muted" }, `${index + 1}.`), " ",
      h("strong", { className: "admin-item-name" }, policy.name)),
    h("dl", { className: "fields" },
      h("dt", {}, t("admin.sla_departments")), h("dd", {}, (policy.department || []).join(", ") || t("admin.any")),
      h("dt", {}, t("admin.sla_priorities")), h("dd", {}, (policy.priority || []).map((p) => t(`priority.${p}`)).join(", ") || t("admin.any")),
      h("dt", {}, t("admin.sla_first_response")), h("dd", {}, minutes(policy.first_response_minutes)),
      h("dt", {}, t("admin.sla_resolution")), h("dd", {}, minutes(policy.resolution_minutes)),
      h("dt", {}, t("admin.sla_warning")), h("dd", {}, policy.warning_minutes ? minutes(policy.warning_minutes) : t("admin.none")),
      h("dt", {}, t("admin.sla_hours")), h("dd", {}, t(policy.hours === "always" ? "admin.sla_always" : "admin.sla_business"))));
}

export function renderSla() {
  if (!data) {
    fill(body(), error ? problem(error) : nothing("admin.loading"));
    return;
  }
  const policies = data.policies || [];
  fill(body(),
    h("p", { className: "muted admin-hint" }, t("admin.sla_hint")),
    hoursBlock(data.business_hours),
    policies.length ? null : nothing("admin.sla_none"),
    h("ol", { className: "admin-list", id: "sla-list" }, ...policies.map(policyRow)),
    canManage && "yaml" in data
      ? h("details", { className: "admin-details admin-yaml", id: "sla-edit", open: editor.model.draft !== null },
        h("summary", {}, t("admin.sla_edit")),
        h("p", { className: "muted admin-hint", id: "sla-source" }, t(`admin.sla_source_${data.source}`)),
        ...editor.nodes(renderSla, "sla-source"))
      : null);
}
