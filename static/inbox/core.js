/* The page's shared things: its configuration and user, the element handles, the one state object, texts. */

export const { h, append, safeHref, initials } = window.HubDom;
/** Replace an element's children; null/false children are skipped (replaceChildren would print "null"). */
export const fill = (el, ...children) => {
  el.replaceChildren();
  append(el, children);
};

/** Run `draw()`, which replaces elements the user may be typing in (a push draws a view again): afterwards the
 * field that had the focus, found again by its `data-keep` key or its id, gets back the focus and the caret, and
 * each field marked `data-keep-text` as well (one that keeps no draft of its own in `state`) the text it held. */
export function keepingInput(draw) {
  const kept = new Map();
  for (const el of document.querySelectorAll("[data-keep-text]")) if (el.value) kept.set(el.dataset.keep, el.value);
  const active = document.activeElement;
  const key = active && active !== document.body ? (active.dataset && active.dataset.keep) || active.id || null : null;
  let start = null;
  let end = null;
  try {
    start = active.selectionStart;
    end = active.selectionEnd;
  } catch {
    /* not a text field */
  }
  draw();
  for (const el of document.querySelectorAll("[data-keep-text]")) {
    const value = kept.get(el.dataset.keep);
    if (value !== undefined && !el.value) el.value = value;
  }
  if (!key || (active.isConnected && document.activeElement === active)) return;
  const again = document.querySelector(`[data-keep="${CSS.escape(key)}"]`) || document.getElementById(key);
  if (!again || again.disabled) return;
  again.focus();
  try {
    if (start !== null) again.setSelectionRange(start, end);
  } catch {
    /* not a text field */
  }
}

export const I18N = window.HubI18n;
export const t = (key, vars) => I18N.t(key, vars);
export const config = JSON.parse(document.getElementById("hub-config").textContent);
export const me = config.user;
export const EMAIL_CSS = new URL("/static/email-frame.css", window.location.href).href;
export const PAGE = 50;

const $ = (id) => document.getElementById(id);
export const els = {
  conn: $("conn-status"),
  tabs: $("tabs"),
  status: $("status-filter"),
  list: $("conversation-list"),
  listEmpty: $("list-empty"),
  listMore: $("list-more"),
  placeholder: $("conv-placeholder"),
  conv: $("conv"),
  title: $("conv-title"),
  badges: $("conv-badges"),
  assignMe: $("act-assign-me"),
  assignee: $("act-assignee"),
  department: $("act-department"),
  toBot: $("act-bot"),
  toHuman: $("act-human"),
  resolve: $("act-resolve"),
  reopen: $("act-reopen"),
  scroll: $("timeline-scroll"),
  timeline: $("timeline"),
  timelineMore: $("timeline-more"),
  typing: $("typing"),
  composer: $("composer"),
  text: $("composer-text"),
  hint: $("composer-hint"),
  send: $("composer-send"),
  composerError: $("composer-error"),
  mentionMenu: $("mention-menu"),
  card: $("client-card"),
  bell: $("bell"),
  bellCount: $("bell-count"),
  bellMenu: $("bell-menu"),
  bellList: $("bell-list"),
  bellEmpty: $("bell-empty"),
  bellClear: $("bell-clear"),
  meName: $("me-name"),
  logout: $("logout"),
};

export const state = {
  tab: null,
  status: "open",
  conversations: new Map(),
  listCursor: null,
  listSeq: 0,
  callHint: null, // {id, text}: the call placed from that conversation (composer.js)
  // a clock of changes learnt outside a list fetch (live events, own edits): id -> tick of the last one
  changeTick: 0,
  changedAt: new Map(),
  clients: new Map(),
  clientRequests: new Map(),
  clientConversations: [],
  users: [],
  departments: [],
  openId: null,
  openClientId: null,
  openSeq: 0,
  entries: new Map(),
  entryEls: new Map(),
  // own notes being edited: entry id -> the text in the edit box (entry.js draws the form from it on every redraw)
  noteEdits: new Map(),
  timelineCursor: null,
  mode: "reply",
  drafts: new Map(),
  notifications: [],
  typing: new Map(),
  typingSentAt: 0,
  typingTimer: null,
  mention: null,
  socket: null,
  connectedOnce: false,
  readTimer: null,
  syncs: 0,
  // what the user may see is decided by the server (it pushes and lists only that); these only pick the tabs
  seesAll: Boolean(config.sees_everything),
  myDepartments: me.department_ids || [],
};
