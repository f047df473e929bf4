/* The login page: POST /api/v1/auth/login with fetch; the answer sets the HttpOnly session cookie. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { t, onChange } = window.HubI18n;
  const setTitle = () => {
    document.title = `${t("page.login")} · ${t("app.name")}`;
  };
  setTitle();
  onChange(setTitle);
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    if (!email || !password) {
      showError(t("login.missing"));
      return;
    }
    showError("");
    submit.disabled = true;
    try {
      const response = await fetch("/api/v1/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (response.ok) {
        window.location.assign("/inbox");
        return;
      }
      showError(response.status === 401 ? t("login.invalid") : t("error.generic"));
    } catch {
      showError(t("error.network"));
    } finally {
      submit.disabled = false;
    }
  });
});
