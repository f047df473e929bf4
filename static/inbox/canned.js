/* Canned replies in the composer: typing "/" and a few letters at the start of the text lists the canned replies the
 * user may use (GET /api/v1/canned-responses?q=), choosing one (click, or Enter on the first) puts its text rendered
 * for the open conversation (POST .../{id}/render: client, agent and conversation variables filled in by the server)
 * into the composer. The server decides which replies the user may use. Texts go in as text (h()). */
import { api, enc, errorText } from "./api.js";
import { els, fill, h, state, t } from "./core.js";

const DELAY_MS = 200;
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
    found = await api("GET", `/api/v1/canned-responses?q=${enc(q)}&limit=8`);
  } catch (err) {
    if (seq === canned.seq) show([h("div", { className: "canned-empty" }, errorText(err))]);
    return;
  }
  if (seq !== canned.seq) return;
  canned.items = found.items;
  if (!found.items.length) {
    show([h("div", { className: "canned-empty" }, t("canned.none"))]);
    return;
  }
  show(
    found.items.map((reply) => {
      const row = h(
        "button",
        { type: "button", className: "canned-item", role: "option", "data-canned-id": reply.id },
        h("strong", {}, reply.title),
        reply.shortcut ? h("span", { className: "canned-shortcut" }, `/${reply.shortcut}`) : null,
        h("span", { className: "canned-lang" }, reply.language.toUpperCase()),
      );
      row.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the composer
      row.addEventListener("click", () => choose(reply));
      return row;
    }),
  );
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
