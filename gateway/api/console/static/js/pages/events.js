// The live event tail: what the console's stream (open since sign-in) received, newest
// first, with new events added as they come.

import {seg} from "../api.js";
import {addresses, button, h, replace, when} from "../dom.js";

export async function tail(view, _params, context) {
  const filter = h("input", {type: "search", name: "filter", id: "event-filter",
                             placeholder: "type or account contains"});
  const body = h("tbody", {id: "event-rows"});
  const empty = h("p", {class: "empty"}, "Waiting for events… (only what happens from now on "
    + "is shown, and what the stream replays after a reconnect)");
  const matches = (event) => {
    const q = filter.value.trim().toLowerCase();
    return !q || event.type.toLowerCase().includes(q)
      || String(event.account || "").toLowerCase().includes(q);
  };
  const render = () => {
    const shown = context.tail.events.filter(matches).reverse();
    replace(body, shown.map(row));
    empty.hidden = shown.length > 0;
  };
  filter.addEventListener("input", render);
  view.append(h("div", {class: "heading"}, h("h1", {}, "Live events"),
    h("div", {class: "toolbar"}, filter, button("Clear", () => {
      context.tail.events.length = 0;
      render();
    }))),
  h("table", {id: "events"}, h("thead", {}, h("tr", {},
    ["Time", "Type", "Account", "What"].map((t) => h("th", {}, t)))), body), empty);
  render();
  context.listeners.add((event) => {
    if (!matches(event)) return;
    body.prepend(row(event));
    empty.hidden = true;
  });
}

function row(event) {
  const mailbox = event.data && typeof event.data.mailbox === "string" ? event.data.mailbox : "";
  return h("tr", {dataset: {type: event.type, account: event.account || "", mailbox}},
    h("td", {}, when(event.created_at)), h("td", {}, h("code", {}, event.type)),
    h("td", {}, event.account || ""), h("td", {}, summary(event)));
}

function summary(event) {
  const data = event.data || {};
  if (event.type === "message.new" && data.id && event.account) {
    return [h("a", {href: `#/message/${seg(event.account)}/${seg(data.id)}`,
                    class: "open-message"}, data.subject || "(no subject)"),
      ` from ${addresses(data.from)} in ${data.mailbox || "?"}`];
  }
  const parts = [];
  for (const key of ["subject", "mailbox", "flags", "message_id", "queue_id", "error",
                     "detail", "state"]) {
    if (data[key] !== undefined && data[key] !== null) {
      parts.push(`${key}: ${Array.isArray(data[key]) ? data[key].join(" ") : data[key]}`);
    }
  }
  return parts.join(", ");
}
