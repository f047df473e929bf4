/* The inbox search (GET /api/v1/search): a box in the top bar, results in a panel under it — clients, and messages
 * with the matching words marked. Choosing a message opens its conversation; choosing a client opens their latest
 * conversation. The server applies the access policy: what it answers is what the user may see.
 * Every text from the server goes in as text (h()); the marks are <mark> elements around text nodes. */
import { api, enc, errorText } from "./api.js";
import { openConversation } from "./conversation.js";
import { fill, h, t } from "./core.js";

const DELAY_MS = 250;
const search = { seq: 0, timer: null, box: null, input: null, panel: null };

export function wireSearch() {
  const spacer = document.querySelector(".topbar .topbar-spacer");
  if (!spacer || search.box) return;
  search.input = h("input", {
    type: "search",
    className: "search-input",
    id: "search-input",
    autocomplete: "off",
    placeholder: t("search.placeholder"),
    "aria-label": t("search.placeholder"),
  });
  search.panel = h("div", { className: "search-panel", id: "search-panel", role: "listbox", hidden: true });
  search.box = h("div", { className: "search-box", role: "search" }, search.input, search.panel);
  spacer.before(search.box);
  search.input.addEventListener("input", () => {
    clearTimeout(search.timer);
    search.timer = setTimeout(run, DELAY_MS);
  });
  search.input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });
  document.addEventListener("click", (e) => {
    if (!search.box.contains(e.target)) close();
  });
}

/** The texts of the box after a language switch. */
export function renderSearch() {
  if (!search.input) return;
  search.input.placeholder = t("search.placeholder");
  search.input.setAttribute("aria-label", t("search.placeholder"));
}

function close() {
  search.seq++;
  search.panel.hidden = true;
  search.panel.replaceChildren();
}

async function run() {
  const q = search.input.value.trim();
  const seq = ++search.seq;
  if (q.length < 2) {
    search.panel.hidden = true;
    return;
  }
  let found;
  try {
    found = await api("GET", `/api/v1/search?q=${enc(q.slice(0, 200))}&limit=10`);
  } catch (err) {
    if (seq === search.seq) show([h("div", { className: "search-empty" }, errorText(err))]);
    return;
  }
  if (seq !== search.seq) return; // a newer query is on its way
  const rows = [];
  if (found.clients.length) {
    rows.push(h("div", { className: "search-head" }, t("search.clients")));
    for (const client of found.clients) rows.push(clientRow(client));
  }
  if (found.entries.length) {
    rows.push(h("div", { className: "search-head" }, t("search.messages")));
    for (const hit of found.entries) rows.push(entryRow(hit));
  }
  if (!rows.length) rows.push(h("div", { className: "search-empty" }, t("search.nothing")));
  show(rows);
}

function show(rows) {
  fill(search.panel, ...rows);
  search.panel.hidden = false;
}

function clientRow(client) {
  const contact = (client.identities || []).map((i) => i.value).slice(0, 2).join(", ");
  const row = h(
    "button",
    { type: "button", className: "search-item search-client", role: "option", "data-client-id": client.id },
    h("strong", {}, client.name || t("search.no_name")),
    contact ? h("span", { className: "search-meta" }, contact) : null,
  );
  row.addEventListener("click", () => openClient(client.id));
  return row;
}

function entryRow(hit) {
  const snippet = h("span", { className: "search-snippet" });
  for (const part of hit.snippet) snippet.append(part.mark ? h("mark", {}, part.text) : document.createTextNode(part.text));
  const where = hit.conversation ? hit.conversation.channel : t("search.client_note");
  const row = h(
    "button",
    { type: "button", className: "search-item search-entry", role: "option", "data-entry-id": hit.entry.id },
    h("strong", {}, hit.client.name || t("search.no_name")),
    h("span", { className: "search-meta" }, where),
    snippet,
  );
  row.addEventListener("click", () => {
    close();
    if (hit.conversation) openConversation(hit.conversation.id, hit.entry.id);
    else openClient(hit.client.id);
  });
  return row;
}

async function openClient(clientId) {
  close();
  try {
    const conversations = await api("GET", `/api/v1/clients/${enc(clientId)}/conversations?limit=1`);
    if (conversations.items && conversations.items.length) openConversation(conversations.items[0].id);
  } catch (err) {
    show([h("div", { className: "search-empty" }, errorText(err))]);
  }
}
