/* A tiny DOM builder. Text always becomes text nodes: there is no way to pass HTML through it. */
"use strict";

window.HubDom = (() => {
  /**
   * h("div", {className: "x", dataset: {id: "1"}, onclick: fn, title: "t"}, "text", childNode, [more])
   * Strings and numbers among the children become text nodes (createTextNode); null/false are skipped.
   */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "innerHTML" || key === "outerHTML" || key === "srcdoc") {
        throw new Error(`HubDom.h does not set ${key}`);
      }
      if (key === "className") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return el;
  }

  /** A safe link: only http(s) or same-origin URLs get an href; anything else (javascript:, data:) is text. */
  function safeHref(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  /** "Anna Ivanova" -> "AI"; letters and digits only ("+7 916…" -> "79", "<b>" -> "B"). */
  function initials(name) {
    const words = String(name || "").split(/\s+/)
      .map((w) => (w.match(/[\p{L}\p{N}]/u) || [""])[0]).filter(Boolean);
    if (!words.length) return "?";
    return (words[0] + (words.length > 1 ? words[words.length - 1] : "")).toUpperCase();
  }

  return { h, append, safeHref, initials };
})();
