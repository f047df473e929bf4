/* A YAML text the server validates (the routing rules, the SLA policies): GET gives {yaml, source, ...}, PUT {yaml}
 * saves; a 400's details are the problems, each {line, message}, listed under the text (a click selects that line).
 * The draft survives re-renders (a language switch, another section's reload). Ids: <id>-yaml, -save, -revert,
 * -problems, -status. */
import { api, canManage, h, problem, t } from "./common.js";

export function yamlEditor({ id, path, label, savedText, afterSave }) {
  const m = { data: null, error: "", problems: [], saved: "", draft: null };

  async function load() {
    try {
      m.data = await api("GET", path);
      m.error = "";
      m.draft = null;
    } catch (err) {
      m.error = err.status === 403 ? t("admin.not_allowed") : err.message || String(err);
    }
  }

  async function save(text, rerender) {
    m.problems = [];
    m.saved = "";
    m.error = "";
    try {
      m.data = await api("PUT", path, { yaml: text });
      m.draft = null;
      m.saved = savedText(m.data);
      if (afterSave) afterSave(m.data);
    } catch (err) {
      m.draft = text;
      const details = err && err.status === 400 && Array.isArray(err.details) ? err.details : [];
      if (details.length && "line" in details[0]) m.problems = details;
      else m.error = (err && err.message) || String(err);
    }
    rerender();
    if (m.problems.length) document.querySelector(`#${id}-problems button`)?.focus();
  }

  function goToLine(textarea, line) {
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  /** The editor's nodes; `rerender` redraws the section (after a save). */
  function nodes(rerender, describedBy) {
    const textarea = h("textarea", { id: `${id}-yaml`, className: "admin-code", rows: 20, spellcheck: "false",
      readonly: !canManage, "aria-describedby": describedBy });
    textarea.value = m.draft ?? (m.data && m.data.yaml) ?? "";
    textarea.addEventListener("input", () => { m.draft = textarea.value; });
    const saveButton = h("button", { type: "button", className: "btn btn-primary", id: `${id}-save` }, t("admin.save"));
    saveButton.addEventListener("click", async () => {
      saveButton.disabled = true;
      try {
        await save(textarea.value, rerender);
      } finally {
        saveButton.disabled = false;
      }
    });
    const revert = h("button", { type: "button", className: "btn", id: `${id}-revert` }, t("admin.routing_revert"));
    revert.addEventListener("click", async () => {
      m.problems = [];
      m.saved = "";
      await load();
      rerender();
    });
    return [
      h("label", { className: "admin-field admin-field-wide", for: `${id}-yaml` }, h("span", {}, label())),
      textarea,
      m.problems.length
        ? h("ul", { className: "admin-problems", id: `${id}-problems`, role: "alert" }, ...m.problems.map((p) => {
          const jump = h("button", { type: "button", className: "link-btn", dataset: { line: p.line } }, t("admin.routing_line", { line: p.line }));
          jump.addEventListener("click", () => goToLine(textarea, p.line));
          return h("li", {}, jump, ": ", h("span", { className: "admin-problem-text" }, p.message));
        }))
        : null,
      m.error ? problem(m.error) : null,
      h("p", { className: "admin-ok", id: `${id}-status`, role: "status" }, m.saved),
      canManage ? h("div", { className: "admin-actions" }, saveButton, revert) : null,
    ];
  }

  return { model: m, load, nodes };
}
