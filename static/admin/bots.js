/* Bots (GET /api/v1/bots): the flows this hub runs — name, the channels whose new conversations they answer, their
 * language, where "talk to a person" goes, how many states and FAQ entries. Read-only: flows are YAML files in
 * config/bots/ (HUB_BOTS_DIR), loaded at start-up (`hub check` says what is wrong with one). */
import { api, badge, fill, h, nothing, problem, t } from "./common.js";

const body = () => document.getElementById("bots-body");
let flows = null;
let error = "";

export async function loadBots() {
  try {
    flows = (await api("GET", "/api/v1/bots")).items;
    error = "";
  } catch (err) {
    error = err.status === 403 ? t("admin.not_allowed") : err.message || String(err);
  }
  renderBots();
}

function flowRow(flow) {
  return h("li", { className: "admin-item", dataset: { bot: flow.name } },
    h("div", { className: "admin-item-head" },
      h("strong", { className: "admin-item-name" }, flow.name), " ",
      h("span", { className: "muted" }, t("admin.bot_speaks_as", { name: flow.bot_name })), " ",
      ...flow.channels.map((c) => badge(c, "admin-channel-badge"))),
    h("dl", { className: "fields" },
      h("dt", {}, t("admin.bot_channels")), h("dd", { className: "bot-channels" }, flow.channels.join(", ") || "—"),
      h("dt", {}, t("admin.bot_language")), h("dd", { className: "bot-language" }, flow.language ? flow.language.toUpperCase() : t("admin.bot_language_default")),
      h("dt", {}, t("admin.bot_handoff")), h("dd", { className: "bot-handoff" }, flow.handoff_department || t("admin.bot_unrouted")),
      flow.departments.length > 1 ? [h("dt", {}, t("admin.bot_departments")), h("dd", {}, flow.departments.join(", "))] : null,
      h("dt", {}, t("admin.bot_states")), h("dd", { className: "bot-states" }, String(flow.states)),
      h("dt", {}, t("admin.bot_faq")), h("dd", {}, String(flow.faq)),
      flow.keywords.length ? [h("dt", {}, t("admin.bot_keywords")), h("dd", {}, flow.keywords.join(", "))] : null,
      h("dt", {}, t("admin.bot_hours")), h("dd", {}, t(flow.business_hours ? "admin.yes" : "admin.bot_always"))));
}

export function renderBots() {
  if (flows === null && !error) {
    fill(body(), nothing("admin.loading"));
    return;
  }
  fill(body(),
    h("p", { className: "muted admin-hint" }, t("admin.bots_hint")),
    error ? problem(error) : null,
    flows && !flows.length ? nothing("admin.bots_none") : null,
    h("ul", { className: "admin-list", id: "bots-list" }, ...(flows || []).map(flowRow)));
}
