// Webhooks and their deliveries (status, latency, error of each attempt); retry one.

import {api, seg} from "../api.js";
import {button, h, notice, problem, replace, table, when} from "../dom.js";

export async function list(view) {
  view.append(h("h1", {}, "Webhooks"));
  const {items} = await api("GET", "webhooks");
  view.append(table([
    ["URL", (w) => h("a", {href: `#/webhooks/${seg(w.id)}`}, w.url)],
    ["Events", (w) => w.events.join(", ")],
    ["Accounts", (w) => (w.accounts ? w.accounts.join(", ") : "all")],
    ["Created", (w) => when(w.created_at)],
  ], items, {empty: "No webhooks. Create them with POST /v1/webhooks."}));
}

export async function deliveries(view, {webhook}, context) {
  const hook = await api("GET", `webhooks/${seg(webhook)}`);
  const status = h("div", {id: "delivery-status"});
  const body = h("div", {id: "deliveries"});
  const load = async () => {
    const page = await api("GET", `webhooks/${seg(webhook)}/deliveries`, {query: {limit: 100}});
    replace(body, table([
      ["Created", (d) => when(d.created_at)],
      ["Event", (d) => h("code", {}, d.event_type || d.event_id)],
      ["Status", (d) => h("span", {class: `pill ${d.status}`}, d.status)],
      ["Attempts", (d) => String(d.attempts)],
      ["Last answer", (d) => (d.status_code ? `HTTP ${d.status_code}` : "")],
      ["Latency", (d) => (d.latency_ms === null ? "" : `${d.latency_ms} ms`)],
      ["Error", (d) => d.error || ""],
      ["Next attempt", (d) => when(d.next_attempt_at)],
      ["", (d) => (d.status === "delivered" ? "" : button("Retry now", async () => {
        try {
          await api("POST", `webhooks/${seg(webhook)}/deliveries/${seg(d.id)}/retry`);
          replace(status, notice("ok", `Delivery ${d.id} will be attempted again now.`));
        } catch (error) {
          replace(status, problem(error));
        }
        await load();
      }, {dataset: {delivery: d.id}}))],
    ], page.items, {empty: "No deliveries yet.",
                    rowProps: (d) => ({dataset: {delivery: d.id, status: d.status}})}));
  };
  view.append(h("nav", {class: "crumbs"}, h("a", {href: "#/webhooks"}, "Webhooks")),
    h("h1", {}, `Deliveries to ${hook.url}`),
    h("div", {class: "toolbar"}, button("Refresh", () => load().catch((e) =>
      replace(status, problem(e))))), status, body);
  await load();
  context.every(3000, () => load().catch(() => {}));  // attempts go on meanwhile
}
