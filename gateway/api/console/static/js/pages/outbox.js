// The outbox: queued sends, their state and last error; cancel one not yet sent.

import {api, seg} from "../api.js";
import {button, h, problem, replace, table, when} from "../dom.js";

const STATUSES = ["", "queued", "sending", "sent", "failed", "cancelled"];

export async function list(view) {
  const status = h("select", {name: "status"},
    STATUSES.map((s) => h("option", {value: s}, s || "any status")));
  const body = h("div", {id: "outbox"});
  const load = async () => {
    try {
      const page = await api("GET", "outbox", {query: {status: status.value || null,
                                                       limit: 100}});
      replace(body, table([
        ["Queued", (j) => when(j.created_at)], ["Account", (j) => j.account],
        ["To", (j) => (j.rcpt_to || []).join(", ")],
        ["Status", (j) => h("span", {class: `pill ${j.status}`}, j.status)],
        ["Attempts", (j) => String(j.attempts)],
        ["Next attempt", (j) => when(j.next_attempt_at)],
        ["Last error", (j) => j.last_error || j.smtp_response || ""],
        ["", (j) => (j.status === "queued" ? button("Cancel", async () => {
          try {
            await api("DELETE", `outbox/${seg(j.queue_id)}`);
          } catch (error) {
            body.prepend(problem(error));
            return;
          }
          await load();
        }) : "")],
      ], page.items, {empty: "The outbox is empty."}));
    } catch (error) {
      replace(body, problem(error));
    }
  };
  status.addEventListener("change", load);
  view.append(h("div", {class: "heading"}, h("h1", {}, "Outbox"),
    h("div", {class: "toolbar"}, status, button("Refresh", load))), body);
  await load();
}
