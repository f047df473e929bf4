/* Files on a reply: the composer's "Attach files" button picks them (up to 10), their names and sizes show under
 * the text with a remove button each, and the reply then goes out as multipart/form-data (a `text` field and one
 * `file` part per file, POST /api/v1/conversations/{id}/replies, see hub/api/uploads.py); a 413 or 400 shows the
 * API's own text under the composer (composer.js). Notes take no files (the API accepts JSON only there), so the
 * button shows in reply mode only. The chosen files belong to the conversation they were chosen in.
 */
import { els, h, state, t } from "./core.js";
import { formatSize } from "./format.js";

export const MAX_FILES = 10; // hub/api/uploads.py MAX_FILES

function chosen() {
  if (!state.attach) state.attach = new Map(); // conversation id -> [File]
  return state.attach;
}

/** The files chosen for the open conversation's reply. */
export function pendingFiles() {
  return (state.openId && chosen().get(state.openId)) || [];
}

export function clearFiles(conversationId) {
  chosen().delete(conversationId);
  renderAttach();
}

/** The reply's body: JSON when no file is chosen, else a form with the text and the files. */
export function replyBody(text) {
  const files = pendingFiles();
  if (!files.length) return { text };
  const form = new FormData();
  form.append("text", text);
  for (const file of files) form.append("file", file, file.name);
  return form;
}

function parts() {
  let button = document.getElementById("composer-attach");
  if (!button) {
    const input = h("input", { type: "file", id: "composer-file", multiple: true, hidden: true });
    input.addEventListener("change", () => {
      add([...input.files]);
      input.value = ""; // choosing the same file again fires change again
    });
    button = h("button", {
      type: "button",
      id: "composer-attach",
      className: "btn btn-ghost btn-small",
      onclick: () => input.click(),
    });
    const list = h("ul", { className: "composer-files", id: "composer-files" });
    const foot = els.composer.querySelector(".composer-foot");
    foot.before(list);
    foot.prepend(button, input);
  }
  return { button, list: document.getElementById("composer-files") };
}

function add(files) {
  const id = state.openId;
  if (!id || !files.length) return;
  const all = [...pendingFiles(), ...files];
  els.composerError.textContent = all.length > MAX_FILES ? t("attach.too_many", { n: MAX_FILES }) : "";
  chosen().set(id, all.slice(0, MAX_FILES));
  renderAttach();
}

function remove(index) {
  const files = pendingFiles().filter((_file, i) => i !== index);
  if (files.length) chosen().set(state.openId, files);
  else chosen().delete(state.openId);
  renderAttach();
}

export function renderAttach() {
  if (!els.composer) return;
  const { button, list } = parts();
  const reply = state.mode === "reply";
  button.hidden = !reply;
  button.textContent = t("attach.button");
  const files = reply ? pendingFiles() : [];
  list.hidden = files.length === 0;
  list.replaceChildren(...files.map((file, i) => h(
    "li",
    { className: "composer-file", dataset: { name: file.name } },
    h("span", { className: "composer-file-name" }, file.name),
    h("span", { className: "muted" }, formatSize(file.size)),
    h("button", {
      type: "button",
      className: "link-btn",
      "aria-label": t("attach.remove", { name: file.name }),
      title: t("attach.remove", { name: file.name }),
      onclick: () => remove(i),
    }, "×"),
  )));
}
