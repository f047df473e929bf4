/* Interface texts in English and Russian.
 *
 * The dictionaries live in static/i18n.json; the page embeds the reader's one in <script type="application/json"
 * id="hub-i18n"> (data, never executed; the server chose it as below) and the others come from
 * /i18n/<lang>.json when needed. The language is, in this order: the one picked with the header switch
 * (kept in localStorage, and in the cookie hub_lang so that the server embeds it next time), Russian when the
 * browser's language starts with "ru", else the hub's setting (HUB_LANGUAGE, given as <body data-language>).
 */
"use strict";

window.HubI18n = (() => {
  const STORAGE_KEY = "hub.language";
  const COOKIE = "hub_lang";
  const dict = JSON.parse(document.getElementById("hub-i18n").textContent);
  const languages = (document.body.dataset.languages || Object.keys(dict).join(",")).split(",").filter(Boolean);
  const listeners = [];
  const loading = {};

  function remember(next) {
    document.cookie = `${COOKIE}=${next}; path=/; max-age=31536000; SameSite=Lax`;
  }

  /** The dictionary of `next`, fetched once when the page did not embed it. */
  function load(next) {
    if (dict[next]) return Promise.resolve();
    if (!loading[next]) {
      loading[next] = fetch(`/i18n/${encodeURIComponent(next)}.json`, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((texts) => {
          dict[next] = texts;
        })
        .finally(() => delete loading[next]);
    }
    return loading[next];
  }

  function stored() {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  function pick() {
    const chosen = stored();
    if (chosen && languages.includes(chosen)) return chosen;
    const browser = (navigator.language || "").toLowerCase();
    if (browser.startsWith("ru") && languages.includes("ru")) return "ru";
    const setting = document.body.dataset.language;
    return languages.includes(setting) ? setting : "en";
  }

  // what the page embeds is shown at once; a different choice of this browser follows as soon as it is loaded
  const wanted = pick();
  let lang = dict[wanted] ? wanted : Object.keys(dict)[0] || "en";
  if (wanted !== lang) {
    remember(wanted);
    load(wanted).then(() => setLanguage(wanted), () => {});
  }

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
    if (!languages.includes(next) || next === lang) return Promise.resolve();
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    remember(next);
    return load(next).then(() => {
      if (next === lang) return;
      lang = next;
      apply();
      for (const fn of listeners) fn(lang);
    });
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
    languages,
  };
})();
