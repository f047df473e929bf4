/* The agent inbox: conversation list, the client's unified timeline, the client card, replies and notes, live
 * through the /agent Socket.IO namespace. This is the entry module (templates/inbox.html loads it with
 * <script type="module">; static/i18n.js and static/dom.js are classic scripts that run before it).
 *
 * How the modules are organised (static/inbox/):
 *   core.js     config, me, `els` (element handles), the one `state` object, t(), h()/fill() — imports nothing
 *   api.js      api(), ApiError, errorText(), toast()     format.js  badges, names, times, system texts
 *   list.js / conversation.js / card.js / timeline.js / entry.js / composer.js / mentions.js / calls.js /
 *   notifications.js: one part of the page each;  socket.js: the live events;  main.js: wiring and start()
 * Adding a piece: a new module that imports from core/api/format (and what it needs), exports render/load
 * functions, keeps its own data in a key of `state`; hook it up in main.js (wire/start/rerenderAll) or socket.js.
 * Modules import each other freely (cycles are fine): no top-level code may call another module's function.
 * A view that pushes draw again (the card, the tasks) draws inside core.js keepingInput(): the focused field keeps
 * the focus and the caret (found again by its id or `data-keep` key), and a field that keeps no draft of its own
 * in `state` is marked `data-keep-text` too, so that its text survives.
 *
 * Safety rule: every text that comes from a customer, a user or a file (messages, names, file names, fields) is
 * put into the page as text (h() → createTextNode / textContent). The single exception is entry.html, the HTML of
 * an e-mail, which the server has cleaned with nh3: it is shown only inside <iframe sandbox="" srcdoc=...> (no
 * scripts, an opaque origin, no forms, no popups, and the page's CSP inherited), see emailFrame() in entry.js.
 * No innerHTML anywhere.
 */
import { api } from "./api.js";
import { wireCanned } from "./canned.js";
import { renderCard } from "./card.js";
import { onTypingInput, renderComposerMode, renderTyping, setMode, submit } from "./composer.js";
import { markReadSoon, openConversation, openConversationRecord, patchConversation, renderHeader } from "./conversation.js";
import { I18N, els, me, state } from "./core.js";
import { wireKeys } from "./keys.js";
import { renderViewBar, showView, wireLayout } from "./layout.js";
import { TABS, loadList, renderList, renderTabs, selectTab } from "./list.js";
import { chooseMention, closeMentions, renderMentions, updateMentions } from "./mentions.js";
import { markAllRead, renderBell, toggleBell } from "./notifications.js";
import { usedPreload } from "./preload.js";
import { renderSearch, wireSearch } from "./search.js";
import { connectSocket, setConnection } from "./socket.js";
import { loadTimeline, rerenderTimeline } from "./timeline.js";
import { loadMyTasks, openTaskDialog, renderTaskViews, taskFromConversation, wireTasks } from "./tasks.js";
import { renderQueues } from "./queues.js";
import { loadHealth, renderHealth } from "./health.js";
import { renderPartnersPanel } from "./partners_panel.js";
import { renderDesktop, wireDesktop } from "./desktop.js";
import { wireSnooze } from "./snooze.js";
import { loadViews, renderViews } from "./views.js";

// --- wiring --------------------------------------------------------------------------------------------------

function rerenderAll() {
  renderTabs();
  renderList();
  renderHeader();
  rerenderTimeline();
  renderCard();
  renderBell();
  renderTaskViews();
  renderQueues();
  renderViews();
  renderHealth();
  renderPartnersPanel();
  renderDesktop();
  renderTyping();
  renderComposerMode();
  setConnection(els.conn.dataset.state || "connecting");
  renderViewBar();
  renderSearch();
}

function wire() {
  els.meName.textContent = me.name;
  wireLayout();
  wireKeys();
  wireTasks();
  wireDesktop();
  wireSearch();
  wireCanned();
  wireSnooze();
  els.tabs.addEventListener("click", (e) => {
    const button = e.target.closest("[data-tab]");
    if (button) selectTab(button.dataset.tab);
  });
  els.status.addEventListener("change", () => {
    state.status = els.status.value;
    renderList();
    loadList();
  });
  els.listMore.addEventListener("click", () => loadList({ more: true }));
  els.timelineMore.addEventListener("click", () => loadTimeline(state.openSeq, { older: true }));
  els.assignMe.addEventListener("click", () => patchConversation({ assignee_id: me.id }));
  document.getElementById("act-task").addEventListener("click", () => {
    const c = openConversationRecord();
    if (c) openTaskDialog(taskFromConversation(c));
  });
  els.assignee.addEventListener("change", () => patchConversation({ assignee_id: els.assignee.value || null }));
  els.department.addEventListener("change", () => patchConversation({ department_id: els.department.value || null }));
  els.toBot.addEventListener("click", () => patchConversation({ handler: "bot" }));
  els.toHuman.addEventListener("click", () => patchConversation({ handler: "human" }));
  els.resolve.addEventListener("click", () => patchConversation({ status: "resolved" }));
  els.reopen.addEventListener("click", () => patchConversation({ status: "open" }));

  for (const b of els.composer.querySelectorAll(".composer-modes [data-mode]")) {
    b.addEventListener("click", () => setMode(b.dataset.mode));
  }
  els.composer.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  els.text.addEventListener("input", () => {
    onTypingInput();
    updateMentions();
  });
  els.text.addEventListener("click", updateMentions);
  els.text.addEventListener("blur", () => setTimeout(closeMentions, 150));
  els.text.addEventListener("keydown", (e) => {
    const m = state.mention;
    if (m) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        m.active = (m.active + (e.key === "ArrowDown" ? 1 : m.items.length - 1)) % m.items.length;
        renderMentions();
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        chooseMention(m.active);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        closeMentions();
        return;
      }
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  });

  els.bell.addEventListener("click", (e) => {
    e.stopPropagation();
    toggleBell();
  });
  els.bellClear.addEventListener("click", markAllRead);
  document.addEventListener("click", (e) => {
    if (!els.bellMenu.hidden && !els.bellMenu.contains(e.target)) toggleBell(false);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !els.bellMenu.hidden) toggleBell(false);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") markReadSoon();
  });
  els.logout.addEventListener("click", async () => {
    try {
      await api("POST", "/api/v1/auth/logout");
    } finally {
      if (state.socket) state.socket.disconnect();
      window.location.assign("/login");
    }
  });
  I18N.onChange(rerenderAll);
}

async function start() {
  wire();
  renderQueues();
  loadHealth();
  renderPartnersPanel();
  renderBell();
  let saved = null;
  try {
    saved = localStorage.getItem("hub.tab");
  } catch {
    /* ignore */
  }
  state.tab = saved && TABS[saved] && TABS[saved].shown() ? saved : state.seesAll ? "all" : "unassigned";
  renderTabs();
  renderComposerMode();
  connectSocket();
  // the list came embedded in the page: what changed before the socket was up comes with one fetch after it is
  if (state.socket) state.socket.once("connect", () => usedPreload() && loadList());
  const [users, departments] = await Promise.all([
    api("GET", "/api/v1/users").catch(() => ({ items: [] })),
    api("GET", "/api/v1/departments").catch(() => ({ items: [] })),
  ]);
  state.users = users.items;
  state.departments = departments.items;
  loadMyTasks();
  loadViews();
  await loadList();
  const fromHash = /^#c=([^&]+)/.exec(window.location.hash);
  if (fromHash) {
    openConversation(decodeURIComponent(fromHash[1]));
    showView("conv");
  }
}

// a handle for tests and debugging (the socket, to simulate a dropped connection)
window.hubInbox = {
  get socket() {
    return state.socket;
  },
  get openId() {
    return state.openId;
  },
  get syncs() {
    return state.syncs;
  },
};

document.addEventListener("DOMContentLoaded", start);
