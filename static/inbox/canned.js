/* Canned replies in the composer: typing "/" and a few letters at the start of the text lists the canned replies the
 * user may use (GET /api/v1/canned-responses?q=), choosing one (click, or Enter on the first) puts its text rendered
 * for the open conversation (POST .../{id}/render: client, agent and conversation variables filled in by the server)
 * into the composer. The server decides which replies the user may use. Texts go in as text (h()).
 * A reply is in one language; the list offers first those in the customer's language (the open conversation's
 * newest inbound entry's meta.language, as its header shows), then the agent's, then the rest, so "/" and Enter
 * insert the customer's variant ("Приветствие" for a Russian customer, "Greeting" for an English one). */
import { api, enc, errorText } from "./api.js";
import { I18N, els, fill, h, state, t } from "./core.js";
import { customerLanguage } from "./format.js";

const DELAY_MS = 200;
const SHOWN = 8;
const FETCHED = 100; // the API's page: the customer's-language replies among them come first, SHOWN are listed
const canned = { seq: 0, timer: null, menu: null, items: [] };
const TRIGGER = /^\/([\p{L}\p{N}_-]*)$/u;

export function wireCanned() {
  if (canned.menu || !els.text) return;
  canned.menu = h("div", { className: "canned-menu", id: "canned-menu", role: "listbox", hidden: true });
  els.text.after(canned.menu);
  els.text.addEventListener("input", () => {
    clearTimeout(canned.timer);
    const match = TRIGGER.exec(els.text.value);
    if (!match) {
      close();
      return;
    }
    canned.timer = setTimeout(() => list(match[1]), DELAY_MS);
  });
  // before the composer's own keys (Enter sends): while the menu is open, Enter picks and Escape closes it
  els.text.addEventListener(
    "keydown",
    (e) => {
      if (canned.menu.hidden) return;
      if (e.key === "Escape" || (e.key === "Enter" && canned.items.length)) {
        e.preventDefault();
        e.stopImmediatePropagation();
        if (e.key === "Enter") choose(canned.items[0]);
        else close();
      }
    },
    true,
  );
}

function close() {
  canned.seq++;
  canned.items = [];
  if (canned.menu) {
    canned.menu.hidden = true;
    canned.menu.replaceChildren();
  }
}

async function list(q) {
  const seq = ++canned.seq;
  let found;
  try {
    found = await api("GET", `/api/v1/canned-responses?q=${enc(q)}&limit=${FETCHED}`);
  } catch (err) {
    if (seq === canned.seq) show([h("div", { className: "canned-empty" }, errorText(err))]);
    return;
  }
  if (seq !== canned.seq) return;
  const customer = customerLanguage(state.openId);
  canned.items = inLanguageOrder(found.items, customer || I18N.language, I18N.language).slice(0, SHOWN);
  if (!canned.items.length) {
    show([h("div", { className: "canned-empty" }, t("canned.none"))]);
    return;
  }
  show(
    canned.items.map((reply) => {
      const row = h(
        "button",
        { type: "button", className: "canned-item", role: "option", "data-canned-id": reply.id },
        h("strong", {}, reply.title),
        reply.shortcut ? h("span", { className: "canned-shortcut" }, `/${reply.shortcut}`) : null,
        h("span", { className: "canned-lang", dataset: { customer: String(reply.language === customer) } },
          reply.language.toUpperCase()),
      );
      row.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the composer
      row.addEventListener("click", () => choose(reply));
      return row;
    }),
  );
}

/** The replies in `first`'s language, then in `second`'s, then the others; each group keeps the server's order. */
function inLanguageOrder(items, first, second) {
  const rank = (reply) => (reply.language === first ? 0 : reply.language === second ? 1 : 2);
  return items
    .map((reply, i) => [rank(reply), i, reply])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map((x) => x[2]);
}

function show(rows) {
  fill(canned.menu, h("div", { className: "canned-head" }, t("canned.title")), ...rows);
  canned.menu.hidden = false;
}

async function choose(reply) {
  const conversationId = state.openId;
  close();
  if (!reply || !conversationId) return;
  try {
    const rendered = await api("POST", `/api/v1/canned-responses/${enc(reply.id)}/render`, {
      conversation_id: conversationId,
    });
    if (state.openId !== conversationId) return; // another conversation was opened meanwhile
    els.text.value = rendered.text;
    els.text.dispatchEvent(new Event("input", { bubbles: true }));
    els.text.focus();
  } catch (err) {
    show([h("div", { className: "canned-empty" }, errorText(err))]);
  }
}
