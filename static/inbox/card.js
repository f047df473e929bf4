/* The client card (right column). */
import { api, enc, errorText, toast } from "./api.js";
import { openConversation, renderHeader } from "./conversation.js";
import { els, h, initials, keepingInput, state, t } from "./core.js";
import { channelBadge, clientName, formatTime, statusChip, translatedOr } from "./format.js";
import { byActivity, scheduleListRender } from "./list.js";
import { cardDuplicatesSection, cardEditSection, loadClientDuplicates } from "./client_edit.js";
import { cardOutreachSection } from "./outreach.js";
import { cardSharingSection, loadClientSharing } from "./sharing.js";
import { cardTasksSection, loadClientTasks } from "./tasks.js";

// --- client card ---------------------------------------------------------------------------------------------

export async function loadClientCard(seq) {
  const clientId = state.openClientId;
  loadClientTasks(clientId);
  loadClientSharing(clientId);
  loadClientDuplicates(clientId);
  try {
    const [client, conversations] = await Promise.all([
      api("GET", `/api/v1/clients/${enc(clientId)}`),
      api("GET", `/api/v1/clients/${enc(clientId)}/conversations`),
    ]);
    if (seq !== state.openSeq) return;
    state.clients.set(client.id, client);
    state.clientConversations = conversations.items;
    for (const c of conversations.items) state.conversations.set(c.id, c);
    scheduleListRender();
    renderHeader();
    renderCard();
  } catch (err) {
    if (seq === state.openSeq) toast(errorText(err));
  }
}

export function cardSection(titleKey, ...content) {
  return h("section", { className: "card-section" }, h("h3", {}, t(titleKey)), ...content);
}

export function renderCard() {
  keepingInput(drawCard); // a push draws the card again while an agent may be typing in it
}

function drawCard() {
  const client = state.clients.get(state.openClientId);
  if (!client) {
    els.card.replaceChildren();
    return;
  }
  const name = clientName(client);
  const channels = new Set(state.clientConversations.map((c) => c.channel));
  for (const entry of state.entries.values()) if (entry.kind !== "note" && entry.channel !== "internal") channels.add(entry.channel);
  const fields = Object.entries(client.fields || {});
  const conversations = [...state.clientConversations].sort(byActivity);
  els.card.replaceChildren(
    h(
      "div",
      { className: "card-head" },
      h("span", { className: "avatar avatar-lg", "aria-hidden": "true" }, initials(name)),
      h("div", {}, h("h2", { className: "card-name", id: "card-name" }, name),
        h("span", { className: "card-kind" }, t(`kind.${client.kind}`))),
    ),
    cardEditSection(client),
    cardDuplicatesSection(),
    cardOutreachSection(),
    cardTasksSection(),
    cardSection(
      "card.contacts",
      client.identities.length
        ? h("ul", { className: "identities" }, client.identities.map((i) =>
          h("li", { dataset: { kind: i.kind } }, h("span", { className: "identity-kind" }, translatedOr(`identity.${i.kind}`, i.kind)),
            h("span", { className: "identity-value" }, i.value))))
        : h("p", { className: "muted" }, t("card.none")),
    ),
    cardSection("card.channels", h("div", { className: "chips" }, [...channels].sort().map(channelBadge))),
    cardSection(
      "card.fields",
      fields.length
        ? h("dl", { className: "fields" }, fields.map(([key, value]) => [h("dt", {}, key),
          h("dd", {}, value === null ? "—" : typeof value === "boolean" ? t(value ? "card.yes" : "card.no") : String(value))]))
        : h("p", { className: "muted" }, t("card.none")),
    ),
    cardSection(
      "card.tags",
      client.tags.length
        ? h("div", { className: "chips" }, client.tags.map((tag) => h("span", { className: "tag" }, tag)))
        : h("p", { className: "muted" }, t("card.none")),
    ),
    cardSection(
      "card.conversations",
      h("ul", { className: "card-conversations" }, conversations.map((c) =>
        h("li", {},
          h("button", { type: "button", className: `link-btn${c.id === state.openId ? " current" : ""}`,
            onclick: () => openConversation(c.id) },
          channelBadge(c.channel), " ", statusChip(c.status), " ",
          h("span", { className: "muted" }, formatTime(c.last_message_at || c.created_at)))))),
    ),
    cardSharingSection(),
  );
}
