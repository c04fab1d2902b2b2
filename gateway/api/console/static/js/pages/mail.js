// The mailbox browser: mailboxes, their messages (newest first), one message read (text,
// HTML in a sandboxed frame, raw source, headers, attachments), its flags set and cleared.
// Every message is hostile input: its text only ever becomes text nodes, and its HTML is
// shown only in an iframe with an empty sandbox (no script, no form, no navigation of the
// console, an origin of its own) under the console's policy (no remote image or style).

import {api, blob, seg} from "../api.js";
import {addresses, button, bytes, h, notice, problem, replace, table, when} from "../dom.js";

const PAGE = 25;
const COMMON_FLAGS = ["\\Seen", "\\Flagged", "\\Answered"];
// Added to the HTML of a mail (the policy of the console applies too: this narrows it).
const FRAME_POLICY = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
  + "'none'; img-src data:; style-src 'unsafe-inline'\">";

export async function pick(view) {
  view.append(h("h1", {}, "Mail"));
  const {items} = await api("GET", "accounts");
  const usable = items.filter((a) => a.imap);
  view.append(table([
    ["Account", (a) => h("a", {href: `#/mail/${seg(a.id)}`}, a.id)],
    ["Address", (a) => a.email],
  ], usable, {empty: "No account with IMAP."}));
}

export async function mailboxes(view, {account}) {
  view.append(breadcrumbs(account), h("h1", {}, `Mailboxes of ${account}`));
  const {items} = await api("GET", `accounts/${seg(account)}/mailboxes`);
  view.append(table([
    ["Mailbox", (m) => h("a", {href: `#/mail/${seg(account)}/${seg(m.id)}`,
                               dataset: {mailbox: m.path}}, m.path)],
    ["Role", (m) => m.special_use || ""],
    ["Messages", (m) => String(m.total ?? "")],
    ["Unseen", (m) => String(m.unseen ?? "")],
  ], items, {empty: "No mailboxes."}));
}

export async function messages(view, {account, mailbox}, context) {
  view.append(breadcrumbs(account, mailbox), h("h1", {}, "Messages"));
  const filter = h("input", {type: "search", name: "subject", placeholder: "subject contains"});
  const unseen = h("input", {type: "checkbox", name: "unseen"});
  const list = h("div", {id: "message-list"});
  const more = h("div", {});
  let cursor = null;
  const load = async (reset) => {
    if (reset) {
      cursor = null;
      replace(list);
    }
    const page = await api("GET", `accounts/${seg(account)}/mailboxes/${seg(mailbox)}/messages`,
      {query: {limit: PAGE, cursor, subject: filter.value.trim() || null,
               unseen: unseen.checked ? "true" : null}});
    list.append(table([
      ["From", (m) => addresses(m.from)],
      ["Subject", (m) => h("a", {href: `#/message/${seg(account)}/${seg(m.id)}`,
                                 class: m.flags.includes("\\Seen") ? "" : "unseen"},
                           m.subject || "(no subject)")],
      ["Date", (m) => when(m.date)],
      ["Size", (m) => bytes(m.size)],
      ["Flags", (m) => flagPills(m.flags)],
    ], page.items, {empty: reset ? "No messages." : "No more messages."}));
    cursor = page.next_cursor;
    replace(more, cursor ? button("More", () => load(false).catch(show)) : null);
  };
  const show = (error) => list.append(problem(error));
  const search = h("form", {class: "toolbar"}, filter,
    h("label", {class: "inline"}, unseen, " unseen only"),
    h("button", {type: "submit"}, "Filter"),
    button("Refresh", () => load(true).catch(show)));
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true).catch(show);
  });
  view.append(search, list, more);
  // New mail in this mailbox: say so (the list is not reordered under the reader).
  const note = h("div", {});
  view.insertBefore(note, list);
  context.listeners.add((event) => {
    if (event.type === "message.new" && event.account === account) {
      const where = event.data && event.data.mailbox ? ` in ${event.data.mailbox}` : "";
      replace(note, notice("info", `New mail arrived${where}. `, button("Refresh", () => {
        replace(note);
        return load(true).catch(show);
      })));
    }
  });
  await load(true);
}

export async function read(view, {account, message}) {
  const [m, boxes] = await Promise.all([
    api("GET", `accounts/${seg(account)}/messages/${seg(message)}`),
    api("GET", `accounts/${seg(account)}/mailboxes`).catch(() => ({items: []})),
  ]);
  const box = boxes.items.find((b) => b.path === m.mailbox);
  view.append(breadcrumbs(account, box ? box.id : null));
  const flags = h("div", {id: "flags"});
  const flagStatus = h("div", {});
  const renderFlags = (current) => replace(flags, flagEditor(account, message, current,
    renderFlags, flagStatus), flagStatus);
  renderFlags(m.flags);
  const header = h("dl", {class: "headers"},
    h("dt", {}, "From"), h("dd", {id: "message-from"}, addresses(m.from)),
    h("dt", {}, "To"), h("dd", {}, addresses(m.to)),
    m.cc && m.cc.length ? [h("dt", {}, "Cc"), h("dd", {}, addresses(m.cc))] : null,
    h("dt", {}, "Date"), h("dd", {}, when(m.date)),
    h("dt", {}, "Mailbox"), h("dd", {}, m.mailbox));
  const body = h("div", {id: "message-body"});
  const tabs = {
    text: () => h("pre", {id: "message-text", class: "body"}, m.text || "(no text part)"),
    html: () => htmlFrame(m.html),
    raw: async () => {
      const raw = await blob(`accounts/${seg(account)}/messages/${seg(message)}/raw`);
      const text = await raw.slice(0, 2 * 1024 * 1024).text();
      return h("pre", {id: "message-raw", class: "body"}, text,
               raw.size > 2 * 1024 * 1024 ? "\n… (cut: the source is larger than 2 MiB)" : "");
    },
    headers: () => table([["Name", (x) => x.name], ["Value", (x) => x.value]], m.headers || []),
  };
  const tabBar = h("div", {class: "tabs", role: "tablist"});
  const show = async (name) => {
    for (const b of tabBar.children) b.classList.toggle("active", b.dataset.tab === name);
    replace(body, notice("info", "Loading…"));
    try {
      replace(body, await tabs[name]());
    } catch (error) {
      replace(body, problem(error));
    }
  };
  for (const name of Object.keys(tabs)) {
    if (name === "html" && !m.html) continue;
    tabBar.append(button(name === "raw" ? "Raw source" : name[0].toUpperCase() + name.slice(1),
      () => show(name), {dataset: {tab: name}, role: "tab"}));
  }
  view.append(h("h1", {id: "message-subject"}, m.subject || "(no subject)"), header, flags,
    attachments(account, message, m.attachments || []) || "", tabBar, body);
  await show(m.text || !m.html ? "text" : "html");
}

function breadcrumbs(account, mailbox) {
  return h("nav", {class: "crumbs"},
    h("a", {href: "#/mail"}, "Mail"), " / ",
    h("a", {href: `#/mail/${seg(account)}`}, account),
    mailbox ? [" / ", h("a", {href: `#/mail/${seg(account)}/${seg(mailbox)}`}, "messages")]
      : null);
}

function flagPills(flags) {
  return flags.map((f) => h("span", {class: "pill flag"}, f));
}

function flagEditor(account, message, current, rerender, status) {
  const change = async (op, flag) => {
    try {
      const result = await api("PATCH", `accounts/${seg(account)}/messages/${seg(message)}`,
        {body: {flags: {[op]: [flag]}}});
      replace(status);
      rerender(result.flags);
    } catch (error) {
      replace(status, problem(error));
    }
  };
  const keyword = h("input", {name: "keyword", placeholder: "$Label or \\Flag",
                              maxlength: 200, size: 14});
  const others = current.filter((f) => !COMMON_FLAGS.includes(f));
  return h("div", {class: "flag-editor"},
    COMMON_FLAGS.map((flag) => {
      const on = current.includes(flag);
      return button(`${on ? "Clear" : "Set"} ${flag}`, () => change(on ? "remove" : "add", flag),
        {class: on ? "flag-on" : "", dataset: {flag, on: on ? "true" : "false"}});
    }),
    others.map((flag) => h("span", {class: "pill flag"}, flag, " ",
      button("×", () => change("remove", flag), {class: "link", title: `Clear ${flag}`}))),
    keyword, button("Add keyword", () => keyword.value.trim()
      ? change("add", keyword.value.trim()) : null));
}

function attachments(account, message, list) {
  if (!list.length) return null;
  return h("div", {class: "attachments"}, h("h2", {}, "Attachments"),
    table([
      ["File", (a) => a.filename || "(unnamed)"],
      ["Type", (a) => a.content_type],
      ["Size", (a) => bytes(a.size)],
      ["", (a) => button("Download", async () => {
        const data = await blob(
          `accounts/${seg(account)}/messages/${seg(message)}/attachments/${seg(a.id)}`);
        // Saved as a plain file, never shown in the console's own origin.
        const file = new Blob([data], {type: "application/octet-stream"});
        const link = h("a", {href: URL.createObjectURL(file),
                             download: a.filename || "attachment"});
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      })],
    ], list));
}

/** A mail's HTML, shown in a frame that can do nothing but display it. */
function htmlFrame(html) {
  return h("iframe", {
    id: "message-html", class: "mail-html", title: "HTML body of the message",
    sandbox: "", referrerpolicy: "no-referrer", srcdoc: FRAME_POLICY + html,
  });
}
