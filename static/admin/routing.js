/* Routing rules (GET /api/v1/routing-rules: the active rules and their YAML text): admins edit the YAML and save it
 * (PUT {yaml}); the server validates it like the file and answers each problem with its line, shown under the text
 * (a click puts the cursor on that line). Supervisors read it. The format is at the top of hub/routing.py. */
import { api, canManage, fill, h, problem, t } from "./common.js";

const body = () => document.getElementById("routing-body");
let data = null;
let error = "";
let problems = []; // [{line, message}] of the last save
let saved = "";
let draft = null; // the text being edited (kept across re-renders, e.g. a language switch)

export async function loadRouting() {
  try {
    data = await api("GET", "/api/v1/routing-rules");
    error = "";
    draft = null;
  } catch (err) {
    error = err.status === 403 ? t("admin.not_allowed") : err.message || String(err);
  }
  renderRouting();
}

function goToLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
}

async function save(textarea, button) {
  button.disabled = true;
  problems = [];
  saved = "";
  try {
    data = await api("PUT", "/api/v1/routing-rules", { yaml: textarea.value });
    draft = null;
    saved = t("admin.routing_saved", { n: (data.rules || []).length });
    error = "";
  } catch (err) {
    draft = textarea.value;
    if (err.status === 400 && Array.isArray(err.details) && err.details.length && "line" in err.details[0]) {
      problems = err.details;
    } else {
      error = err.message || String(err);
    }
  } finally {
    button.disabled = false;
  }
  renderRouting();
  if (problems.length) document.querySelector("#routing-problems button")?.focus();
}

export function renderRouting() {
  if (!data) {
    fill(body(), error ? problem(error) : h("p", { className: "muted" }, t("admin.loading")));
    return;
  }
  const source = t(`admin.routing_source_${data.source}`);
  const textarea = h("textarea", { id: "routing-yaml", className: "admin-code", rows: 20, spellcheck: "false", readonly: !canManage,
    "aria-describedby": "routing-source" });
  textarea.value = draft ?? data.yaml ?? "";
  textarea.addEventListener("input", () => { draft = textarea.value; });
  const saveButton = h("button", { type: "button", className: "btn btn-primary", id: "routing-save" }, t("admin.save"));
  saveButton.addEventListener("click", () => save(textarea, saveButton));
  const revert = h("button", { type: "button", className: "btn", id: "routing-revert" }, t("admin.routing_revert"));
  revert.addEventListener("click", () => { problems = []; saved = ""; loadRouting(); });
  fill(body(),
    h("p", { className: "muted", id: "routing-source" }, source, " ", t("admin.routing_format")),
    h("label", { className: "admin-field admin-field-wide", for: "routing-yaml" }, h("span", {}, t("admin.routing_label"))),
    textarea,
    problems.length
      ? h("ul", { className: "admin-problems", id: "routing-problems", role: "alert" }, ...problems.map((p) => {
        const jump = h("button", { type: "button", className: "link-btn", dataset: { line: p.line } }, t("admin.routing_line", { line: p.line }));
        jump.addEventListener("click", () => goToLine(textarea, p.line));
        return h("li", {}, jump, ": ", h("span", { className: "admin-problem-text" }, p.message));
      }))
      : null,
    error ? problem(error) : null,
    h("p", { className: "admin-ok", id: "routing-status", role: "status" }, saved),
    canManage ? h("div", { className: "admin-actions" }, saveButton, revert) : null);
}
