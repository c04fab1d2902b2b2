// The console's shell: sign-in, navigation (#/page/...), the live event stream.

import {ApiError, api, setToken, token} from "./api.js";
import {h, notice, problem, replace} from "./dom.js";
import * as accounts from "./pages/accounts.js";
import * as events from "./pages/events.js";
import * as mail from "./pages/mail.js";
import * as outbox from "./pages/outbox.js";
import * as send from "./pages/send.js";
import * as webhooks from "./pages/webhooks.js";
import {EventTail} from "./tail.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");
const streamState = document.getElementById("stream-state");
const eventCount = document.getElementById("event-count");

const STATE_TEXT = {
  connecting: "events: connecting…", live: "events: live", reconnecting: "events: reconnecting…",
  refused: "events: refused",
};

const tail = new EventTail({
  onEvent: (event) => {
    eventCount.textContent = String(tail.events.length);
    for (const listener of context.listeners) listener(event);
  },
  onState: (state, detail) => {
    streamState.textContent = STATE_TEXT[state] || state;
    streamState.dataset.state = state;
    streamState.title = detail || "";
  },
});

/** What pages share: the tail, listeners for new events and timers, while they are shown. */
const context = {
  tail, listeners: new Set(), timers: new Set(),
  every(ms, fn) {
    this.timers.add(setInterval(fn, ms));
  },
};

// [segments pattern, page function]; ":x" takes one (decoded) segment.
const ROUTES = [
  [[], accounts.list], [["accounts"], accounts.list], [["accounts", "new"], accounts.form],
  [["accounts", ":account", "edit"], accounts.form],
  [["mail"], mail.pick], [["mail", ":account"], mail.mailboxes],
  [["mail", ":account", ":mailbox"], mail.messages],
  [["message", ":account", ":message"], mail.read],
  [["send"], send.form], [["events"], events.tail], [["outbox"], outbox.list],
  [["webhooks"], webhooks.list], [["webhooks", ":webhook"], webhooks.deliveries],
];

function match(segments) {
  for (const [pattern, page] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const params = {};
    const ok = pattern.every((part, i) => {
      if (part.startsWith(":")) {
        params[part.slice(1)] = segments[i];
        return true;
      }
      return part === segments[i];
    });
    if (ok) return [page, params];
  }
  return [null, {}];
}

function segmentsOf(hash) {
  const path = hash.replace(/^#\/?/, "").split("?")[0];
  return path ? path.split("/").map((s) => decodeURIComponent(s)) : [];
}

async function route() {
  context.listeners.clear();
  for (const timer of context.timers) clearInterval(timer);
  context.timers.clear();
  if (!token()) {
    showSignIn();
    return;
  }
  const segments = segmentsOf(location.hash);
  for (const link of nav.querySelectorAll("a[data-page]")) {
    link.classList.toggle("active", link.dataset.page === (segments[0] || "accounts")
      || (link.dataset.page === "mail" && segments[0] === "message"));
  }
  const [page, params] = match(segments);
  const view = h("section", {class: "page"});
  replace(main, view);
  if (!page) {
    view.append(notice("error", "No such page."));
    return;
  }
  try {
    await page(view, params, context);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut("The gateway refused the token: " + error.detail);
      return;
    }
    view.append(problem(error));
  }
}

function showSignIn(message) {
  nav.hidden = true;
  signOutButton.hidden = true;
  streamState.hidden = true;
  const input = h("input", {type: "password", id: "token", name: "token", required: true,
                            autocomplete: "off", spellcheck: "false",
                            placeholder: "mgt_… or the admin token"});
  const status = h("div", {id: "sign-in-status"});
  const formEl = h("form", {id: "sign-in", class: "card narrow"},
    h("h1", {}, "Sign in"),
    h("p", {}, "An API token of this gateway. It is kept in this browser tab only and sent "
      + "to the gateway's API; closing the tab forgets it."),
    h("label", {for: "token"}, "Token"), input,
    h("button", {type: "submit"}, "Sign in"), status);
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    try {
      await api("GET", "accounts");
    } catch (error) {
      setToken(null);
      replace(status, problem(error));
      return;
    }
    signedIn();
    if (!location.hash || location.hash === "#/") location.hash = "#/accounts";
    else route();
  });
  replace(main, formEl);
  if (message) formEl.append(notice("error", message));
  input.focus();
}

function signedIn() {
  nav.hidden = false;
  signOutButton.hidden = false;
  streamState.hidden = false;
  tail.start();
}

function signOut(message) {
  tail.stop();
  tail.events.length = 0;
  eventCount.textContent = "";
  setToken(null);
  showSignIn(message);
}

signOutButton.addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
if (token()) signedIn();
route();

