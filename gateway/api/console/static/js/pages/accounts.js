// Accounts: their connection state and last error, verify, add and edit.
// Secrets never come back from the API: the form shows whether a password is stored, and
// leaves it out of a change unless one is typed (the API keeps the stored one only for the
// same server, user and TLS trust; otherwise it answers 422 credentials_required).

import {api, seg} from "../api.js";
import {button, h, notice, problem, replace, table, when} from "../dom.js";

const PROTOCOLS = ["imap", "smtp", "pop3"];
const DEFAULT_PORTS = {
  imap: {tls: 993, starttls: 143, none: 143},
  smtp: {tls: 465, starttls: 587, none: 587},
  pop3: {tls: 995, starttls: 110, none: 110},
};

export async function list(view, _params, context) {
  view.append(h("div", {class: "heading"}, h("h1", {}, "Accounts"),
    h("a", {class: "button", href: "#/accounts/new", id: "add-account"}, "Add account")));
  const {items} = await api("GET", "accounts");
  const cells = new Map();  // "account/protocol" -> its state cell
  view.append(table([
    ["Account", (account) => [h("strong", {}, account.id), h("br"),
      h("span", {class: "muted"}, `${account.name} <${account.email}>`)]],
    ...PROTOCOLS.map((p) => [p.toUpperCase(), (account) => {
      const cell = h("div", {class: "state-cell"});
      cells.set(`${account.id}/${p}`, cell);
      return cell;
    }]),
    ["", (account) => actions(account)],
  ], items, {
    empty: "No accounts yet.",
    rowProps: (account) => ({dataset: {account: account.id}}),
  }));
  // Connection states: now, every few seconds, and at once on an account's event.
  const refresh = async (only) => {
    await Promise.all(items.filter((a) => !only || a.id === only).map(async (account) => {
      const status = await api("GET", `accounts/${seg(account.id)}/status`)
        .catch((error) => ({error}));
      for (const p of PROTOCOLS) replace(cells.get(`${account.id}/${p}`),
                                         state(account, status, p));
    }));
  };
  await refresh();
  context.every(5000, () => refresh().catch(() => {}));
  context.listeners.add((event) => {
    if (event.type.startsWith("account.") && items.some((a) => a.id === event.account)) {
      refresh(event.account).catch(() => {});
    }
  });
}

function state(account, status, protocol) {
  if (!account[protocol]) return h("span", {class: "muted"}, "—");
  if (status.error) return problem(status.error);
  const s = status[protocol];
  if (!s) return h("span", {class: "muted"}, "not connected yet");
  return h("div", {class: "state"},
    h("span", {class: `pill ${s.state}`, dataset: {protocol, state: s.state}}, s.state),
    h("span", {class: "muted small"}, ` since ${when(s.since)}`),
    s.last_error ? h("div", {class: "last-error"}, s.last_error) : null);
}

function actions(account) {
  const out = h("div", {class: "verify-result"});
  const verify = button("Verify", async () => {
    replace(out, notice("info", "Logging in…"));
    try {
      const result = await api("POST", `accounts/${seg(account.id)}/verify`);
      replace(out, ...PROTOCOLS.filter((p) => result[p]).map((p) => notice(
        result[p].ok ? "ok" : "error", `${p.toUpperCase()}: ${result[p].detail}`)));
    } catch (error) {
      replace(out, problem(error));
    }
  }, {class: "verify"});
  return h("div", {class: "actions"}, verify,
    h("a", {class: "button", href: `#/accounts/${seg(account.id)}/edit`}, "Edit"),
    h("a", {class: "button", href: `#/mail/${seg(account.id)}`}, "Mail"), out);
}

/** Add (no params.account) or edit an account. */
export async function form(view, params) {
  const editing = params.account !== undefined;
  const current = editing ? await api("GET", `accounts/${seg(params.account)}`) : null;
  view.append(h("h1", {}, editing ? `Edit account ${current.id}` : "Add account"));
  if (current && current.source === "file") {
    view.append(notice("info", "This account comes from the accounts file: edit it there."));
  }
  const field = (name, label, props = {}) => h("label", {}, label,
    h("input", {name, ...props}));
  const general = h("fieldset", {},
    h("legend", {}, "Account"),
    editing ? null : field("id", "Id (letters, digits, - and _; optional)",
                           {autocomplete: "off", placeholder: "from the address"}),
    field("name", "Name", {required: true, value: current?.name || ""}),
    field("email", "Email address", {type: "email", required: true,
                                     value: current?.email || ""}));
  const blocks = PROTOCOLS.map((p) => serverFieldset(p, current?.[p] || null));
  const status = h("div", {id: "form-status"});
  const el = h("form", {id: "account-form", class: "card", novalidate: true},
    general, ...blocks.map((b) => b.element),
    h("button", {type: "submit"}, editing ? "Save" : "Add account"), status);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(el);
    const body = {name: data.get("name").trim(), email: data.get("email").trim()};
    if (!editing && data.get("id").trim()) body.id = data.get("id").trim();
    for (const block of blocks) {
      const value = block.value();
      if (value !== undefined) body[block.protocol] = value;
    }
    replace(status, notice("info", "Saving…"));
    try {
      const saved = editing
        ? await api("PATCH", `accounts/${seg(current.id)}`, {body})
        : await api("POST", "accounts", {body});
      replace(status, notice("ok", `Saved account ${saved.id}.`));
      location.hash = "#/accounts";
    } catch (error) {
      const hint = error.code === "credentials_required"
        ? notice("info", "The stored password is only used for the same server and user: "
          + "type it again to change this.") : null;
      replace(status, problem(error), hint);
      status.scrollIntoView({block: "nearest"});
    }
  });
  view.append(el);
}

/** One server block of the form; ``value()`` is the block to send (null: remove it,
 *  undefined: leave it out). The password goes only when typed. */
function serverFieldset(protocol, server) {
  const name = (n) => `${protocol}_${n}`;
  const enabled = h("input", {type: "checkbox", name: name("enabled"), checked: !!server});
  const security = h("select", {name: name("security")},
    ["tls", "starttls", "none"].map((s) => h("option", {value: s,
                                                        selected: (server?.security || "tls") === s}, s)));
  const port = h("input", {name: name("port"), type: "number", min: 1, max: 65535,
                           value: server ? String(server.port) : ""});
  security.addEventListener("change", () => {
    if (!port.value || Object.values(DEFAULT_PORTS[protocol]).includes(Number(port.value))) {
      port.value = String(DEFAULT_PORTS[protocol][security.value]);
    }
  });
  const input = (n, props = {}) => h("input", {name: name(n), ...props});
  const host = input("host", {value: server?.host || "", autocomplete: "off"});
  const username = input("username", {value: server?.username || "", autocomplete: "off"});
  const password = input("password", {
    type: "password", autocomplete: "new-password",
    placeholder: server?.has_password ? "stored — leave empty to keep it" : ""});
  const verifyTls = h("input", {type: "checkbox", name: name("tls_verify"),
                                checked: server ? server.tls_verify : true});
  const caFile = input("ca_file", {value: server?.ca_file || "", autocomplete: "off",
                                   placeholder: "path on the gateway (optional)"});
  const element = h("fieldset", {dataset: {protocol}},
    h("legend", {}, h("label", {class: "inline"}, enabled, ` ${protocol.toUpperCase()}`)),
    server?.oauth2 ? notice("info", "Signs in with OAuth2 (reconnect through the consent "
      + "flow to change its credentials).") : null,
    h("div", {class: "grid"},
      h("label", {}, "Host", host), h("label", {}, "Security", security),
      h("label", {}, "Port", port), h("label", {}, "User name", username),
      h("label", {}, "Password", password), h("label", {}, "CA file", caFile),
      h("label", {class: "inline"}, verifyTls, " verify the server's TLS certificate")));
  return {
    protocol, element,
    value() {
      if (!enabled.checked) return server ? null : undefined;
      const block = {host: host.value.trim(), port: Number(port.value || DEFAULT_PORTS[protocol][security.value]),
                     security: security.value,
                     username: username.value.trim(), tls_verify: verifyTls.checked,
                     ca_file: caFile.value.trim() || null};
      if (password.value) block.password = password.value;
      return block;
    },
  };
}
