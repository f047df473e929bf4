/* Routing rules (GET /api/v1/routing-rules: the active rules and their YAML text): admins edit the YAML and save it
 * (PUT {yaml}); the server validates it like the file and answers each problem with its line, shown under the text
 * (yaml_editor.js). Supervisors read it. The format is at the top of hub/routing.py. */
import { fill, h, t } from "./common.js";
import { yamlEditor } from "./yaml_editor.js";

const body = () => document.getElementById("routing-body");
const editor = yamlEditor({
  id: "routing",
  path: "/api/v1/routing-rules",
  label: () => t("admin.routing_label"),
  savedText: (data) => t("admin.routing_saved", { n: (data.rules || []).length }),
});

export async function loadRouting() {
  await editor.load();
  renderRouting();
}

export function renderRouting() {
  const { data, error } = editor.model;
  if (!data) {
    fill(body(), error ? h("p", { className: "form-error", role: "alert" }, error) : h("p", { className: "muted" }, t("admin.loading")));
    return;
  }
  fill(body(),
    h("p", { className: "muted", id: "routing-source" }, t(`admin.routing_source_${data.source}`), " ", t("admin.routing_format")),
    ...editor.nodes(renderRouting, "routing-source"));
}
