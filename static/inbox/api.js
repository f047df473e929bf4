/* REST calls (cookie session), error texts and toasts. */
import { h, t } from "./core.js";
import { takePreloaded } from "./preload.js";

// --- REST ----------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details; // the error's `details` (e.g. each problem of a rule file with its line)
  }
}

export async function api(method, path, body) {
  const preloaded = takePreloaded(method, path); // the page's first data, embedded by the server
  if (preloaded !== undefined) return preloaded;
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    init.body = body; // multipart/form-data: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", t("error.network"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401) {
    window.location.assign("/login");
    throw new ApiError(401, "unauthorized", t("error.session"));
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText, error.details);
  }
  return data;
}

export const enc = encodeURIComponent;

/**
 * The reader's text for a failed call: by the error's code when the texts have one (error.<code>; with `what`,
 * error.<code>_<what> first, e.g. errorText(err, "conversation") for a conversation that is gone or hidden),
 * else by status; the server's own (English) message only after "Something went wrong" as a last resort.
 */
export function errorText(err, what) {
  if (err && err.status === 403) return t("error.forbidden");
  if (err && err.status === 0) return t("error.network");
  if (err && err.status === 409) return t("error.conflict");
  const code = err && typeof err.code === "string" && /^[a-z0-9_]+$/.test(err.code) ? err.code : "";
  for (const key of [code && what ? `error.${code}_${what}` : "", code ? `error.${code}` : ""]) {
    if (key && t(key) !== key) return t(key);
  }
  return err && err.message ? `${t("error.generic")} ${err.message}` : t("error.generic");
}

export let toastBox = null;
export function toast(text) {
  if (!toastBox) {
    toastBox = h("div", { className: "toasts", role: "status" });
    document.body.append(toastBox);
  }
  const item = h("div", { className: "toast" }, text);
  toastBox.append(item);
  setTimeout(() => item.remove(), 5000);
}
