/* Calls: the state of a call entry and the screen pop banner. */
import { openConversation } from "./conversation.js";
import { h, state, t } from "./core.js";
import { translatedOr } from "./format.js";

// --- calls: the state of a call entry, and the screen pop banner ------------------------------------------------

export function callBlock(entry) {
  const call = (entry.meta && entry.meta.call) || {};
  const parts = [];
  if (call.status) parts.push(translatedOr(`call.status_${call.status}`, call.status));
  if (call.answered_by) parts.push(t("call.answered_by", { name: call.answered_by }));
  if (Number.isInteger(call.duration) && call.duration > 0) {
    parts.push(t("call.duration", { minutes: Math.floor(call.duration / 60), seconds: call.duration % 60 }));
  }
  const link = /^https?:\/\//.test(call.recording_url || "")
    ? h("a", { href: call.recording_url, target: "_blank", rel: "noopener noreferrer" }, t("call.recording"))
    : null;
  if (call.recording_file === "failed") parts.push(t("call.recording_failed", { reason: call.recording_error || "" }));
  return h("div", { className: "call-state muted", dataset: { status: call.status || "" } }, parts.join(" · "), " ", link);
}

export const callBanners = new Map();
export let callBannerBox = null;

export function showCallBanner(data) {
  if (!data || !data.entry_id || callBanners.has(data.entry_id)) return;
  if (!callBannerBox) {
    callBannerBox = h("div", { className: "call-banners", role: "alert" });
    document.body.append(callBannerBox);
  }
  const call = data.call || {};
  const who = data.known && data.client && data.client.name ? data.client.name : t("call.unknown_caller");
  const banner = h(
    "div",
    { className: "call-banner", dataset: { entryId: data.entry_id } },
    h("strong", {}, t("call.incoming")), " ", who, " ", h("span", { className: "muted" }, call.number || ""), " ",
    h("button", { type: "button", onclick: () => { hideCallBanner(data.entry_id); openConversation(data.conversation_id); } },
      data.known ? t("call.open_card") : t("call.create_client")),
    h("button", { type: "button", onclick: () => hideCallBanner(data.entry_id) }, t("call.dismiss")),
  );
  callBanners.set(data.entry_id, banner);
  callBannerBox.append(banner);
}

export function hideCallBanner(entryId) {
  const banner = callBanners.get(entryId);
  if (banner) banner.remove();
  callBanners.delete(entryId);
}
