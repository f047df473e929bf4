/* Desktop notifications and a sound for what needs the agent while they look elsewhere: mentions, assignments,
 * a bot's hand-off, SLA warnings and breaches. Off until the agent turns on "Desktop notifications" in the bell
 * panel: that click asks the browser (Notification.requestPermission(), which browsers allow only on a user
 * action). When granted, a `notification` push that arrives while this tab is hidden or not focused shows a
 * system notification with the bell's own texts (title; as the body, the client and subject and the note's text)
 * and plays /static/sounds/notify.wav (written by tools/make_notify_sound.py). A click on it focuses the tab and
 * opens the conversation. The choice is kept per browser (localStorage "hub.desktop").
 */
import { toast } from "./api.js";
import { openConversation } from "./conversation.js";
import { t } from "./core.js";
import { clientOf, notificationContext, notificationText, notificationTitle } from "./notifications.js";

const KINDS = new Set(["mention", "assignment", "handoff", "sla_warning", "sla_breach"]);
const STORAGE_KEY = "hub.desktop";
const SOUND = "/static/sounds/notify.wav";
const shown = new Set(); // notification ids already shown (a push may come twice across a reconnect)
let focused = typeof document.hasFocus === "function" ? document.hasFocus() : true;

const supported = () => typeof window.Notification === "function";

function wanted() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

function remember(on) {
  try {
    if (on) localStorage.setItem(STORAGE_KEY, "on");
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* ignore */
  }
}

const enabled = () => supported() && wanted() && window.Notification.permission === "granted";

export function renderDesktop() {
  const box = document.getElementById("bell-desktop");
  if (!box) return;
  box.checked = enabled();
  box.disabled = !supported();
}

async function toggle(on) {
  if (!on) {
    remember(false);
    renderDesktop();
    return;
  }
  if (!supported()) {
    toast(t("desktop.unsupported"));
    renderDesktop();
    return;
  }
  let permission; // asked on every turn-on: it answers at once when the browser already decided
  try {
    permission = await window.Notification.requestPermission();
  } catch {
    permission = "denied";
  }
  remember(permission === "granted");
  if (permission !== "granted") toast(t("desktop.denied"));
  renderDesktop();
}

export function wireDesktop() {
  window.addEventListener("focus", () => {
    focused = true;
  });
  window.addEventListener("blur", () => {
    focused = false;
  });
  const box = document.getElementById("bell-desktop");
  if (box) box.addEventListener("change", () => toggle(box.checked));
  renderDesktop();
}

function playSound() {
  try {
    const audio = new Audio(SOUND);
    const played = audio.play();
    if (played && typeof played.catch === "function") played.catch(() => {});
  } catch {
    /* no sound: the notification still shows */
  }
}

/** A `notification` push: shown on the desktop when it is one of KINDS and the agent is not looking at the tab. */
export async function desktopNotify(data) {
  if (!data || !data.id || !KINDS.has(data.kind) || !enabled()) return;
  if (document.visibilityState === "visible" && focused) return; // the bell shows it
  if (shown.has(data.id)) return;
  shown.add(data.id);
  await clientOf(data); // the body names the client (and the subject): which conversation it is
  let note;
  try {
    note = new window.Notification(notificationTitle(data), {
      body: [notificationContext(data), notificationText(data)].filter(Boolean).join("\n"),
      tag: data.id,
      lang: document.documentElement.lang || undefined,
    });
  } catch {
    return;
  }
  note.onclick = () => {
    window.focus();
    if (data.conversation_id) openConversation(data.conversation_id, data.entry_id);
    note.close();
  };
  playSound();
}
