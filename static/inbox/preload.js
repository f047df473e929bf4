/* The first answers the server embedded in the page (hub/inbox_preload.py): the users, the departments and the
 * default tab's first page, keyed by the path api() would request. Each is taken once; after that (a reconnect, a
 * reload of the list) the same path goes over the network as before. */

const block = document.getElementById("hub-preload");
const answers = new Map(Object.entries(block ? JSON.parse(block.textContent) : {}));
let used = false;

/** The embedded answer to GET `path`, once; undefined when there is none. */
export function takePreloaded(method, path) {
  if (method !== "GET" || !answers.has(path)) return undefined;
  const answer = answers.get(path);
  answers.delete(path);
  used = true;
  return answer;
}

/** True when the page drew something from the embedded data (it is as old as the page). */
export const usedPreload = () => used;
