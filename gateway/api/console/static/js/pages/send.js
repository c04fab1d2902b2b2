// A test send: a short text message from one account, now (sync) or through the outbox.

import {api, seg} from "../api.js";
import {h, notice, problem, replace} from "../dom.js";

export async function form(view) {
  view.append(h("h1", {}, "Test send"));
  const {items} = await api("GET", "accounts");
  const senders = items.filter((a) => a.smtp);
  if (!senders.length) {
    view.append(notice("info", "No account has an SMTP server yet."));
    return;
  }
  const account = h("select", {name: "account", id: "send-account"},
    senders.map((a) => h("option", {value: a.id}, `${a.id} <${a.email}>`)));
  const to = h("input", {name: "to", id: "send-to", required: true,
                         placeholder: "someone@example.com, another@example.com"});
  const useOwn = h("button", {type: "button", class: "link"}, "to itself");
  useOwn.addEventListener("click", () => {
    const chosen = senders.find((a) => a.id === account.value);
    if (chosen) to.value = chosen.email;
  });
  const subject = h("input", {name: "subject", id: "send-subject",
                              value: "Test from the mailgate console"});
  const text = h("textarea", {name: "text", id: "send-text", rows: 6},
                 "This is a test message sent from the mailgate console.");
  const mode = h("select", {name: "mode", id: "send-mode"},
    h("option", {value: "sync"}, "now (wait for the SMTP server)"),
    h("option", {value: "queue"}, "through the outbox"));
  const status = h("div", {id: "send-status"});
  const el = h("form", {id: "send-form", class: "card", novalidate: true},
    h("label", {}, "From account", account),
    h("label", {}, "To ", useOwn, to),
    h("label", {}, "Subject", subject), h("label", {}, "Text", text),
    h("label", {}, "Send", mode), h("button", {type: "submit"}, "Send"), status);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const recipients = to.value.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
    replace(status, notice("info", "Sending…"));
    try {
      const result = await api("POST", `accounts/${seg(account.value)}/send`, {body: {
        to: recipients, subject: subject.value, text: text.value, mode: mode.value}});
      if (result.message_id) {
        const rejected = (result.rejected || []).map((r) => `${r.address}: ${r.code} ${r.message}`);
        replace(status, notice("ok", `Sent: ${result.message_id}, accepted by the server for `
          + `${(result.accepted || []).join(", ")}.`),
        rejected.length ? notice("error", `Refused: ${rejected.join("; ")}`) : null);
      } else {
        replace(status, notice("ok", `Queued as ${result.queue_id}: see the `,
          h("a", {href: "#/outbox"}, "outbox"), "."));
      }
    } catch (error) {
      replace(status, problem(error));
    }
  });
  view.append(el);
}
