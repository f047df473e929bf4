/* Interface texts in English and Russian.
 *
 * The dictionaries live in static/i18n.json; the page embeds them in <script type="application/json"
 * id="hub-i18n"> (data, never executed). The language is, in this order: the one picked with the header switch
 * (kept in localStorage), Russian when the browser's language starts with "ru", else the hub's setting
 * (HUB_LANGUAGE, given as <body data-language>).
 */
"use strict";

window.HubI18n = (() => {
  const STORAGE_KEY = "hub.language";
  const dict = JSON.parse(document.getElementById("hub-i18n").textContent);
  const listeners = [];

  function stored() {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  function pick() {
    const chosen = stored();
    if (chosen && dict[chosen]) return chosen;
    const browser = (navigator.language || "").toLowerCase();
    if (browser.startsWith("ru")) return "ru";
    const setting = document.body.dataset.language;
    return dict[setting] ? setting : "en";
  }

  let lang = pick();

  /** The text of `key` in the current language, with {name} placeholders filled from `vars`. */
  function t(key, vars) {
    const text = (dict[lang] && dict[lang][key]) ?? (dict.en && dict.en[key]) ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  }

  /** Fill the static texts of the page: data-i18n (text), data-i18n-placeholder/-title/-aria-label. */
  function apply(root = document) {
    document.documentElement.lang = lang;
    for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
      el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
    }
    for (const el of root.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
    for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
    }
    for (const select of root.querySelectorAll("select[data-lang-switch]")) select.value = lang;
  }

  function setLanguage(next) {
    if (!dict[next] || next === lang) return;
    lang = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    apply();
    for (const fn of listeners) fn(lang);
  }

  function onChange(fn) {
    listeners.push(fn);
  }

  document.addEventListener("DOMContentLoaded", () => {
    apply();
    for (const select of document.querySelectorAll("select[data-lang-switch]")) {
      select.addEventListener("change", () => setLanguage(select.value));
    }
  });

  return {
    t,
    apply,
    setLanguage,
    onChange,
    get language() {
      return lang;
    },
    languages: Object.keys(dict),
  };
})();
