// Building the page without ever parsing a string as HTML: every text (a subject, an
// address, a server's error) becomes a text node, so nothing a mail holds can become markup.

import {ApiError} from "./api.js";

/** An element: h("a", {href: "#/x", onclick: fn}, "text", child, [more]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" || key === "checked" || key === "srcdoc" || key === "disabled"
               || key === "selected") {
      el[key] = value;
    } else if (key === "href" && !isSafeHref(String(value))) {
      throw new Error("refusing a link that is not to the console itself");
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Only in-console links: "#/...", or a relative path on the gateway itself. */
function isSafeHref(href) {
  return href.startsWith("#") || /^(\.\.?\/|\/)(?!\/)/.test(href) || href.startsWith("blob:");
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace everything inside ``el``. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A message box: kind "error", "ok" or "info". */
export function notice(kind, ...text) {
  return h("p", {class: `notice ${kind}`, role: kind === "error" ? "alert" : "status"}, ...text);
}

/** A table from rows: columns are [title, row => cell content]. */
export function table(columns, rows, {empty = "Nothing here.", rowProps} = {}) {
  if (!rows.length) return h("p", {class: "empty"}, empty);
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", {}, title)))),
    h("tbody", {}, rows.map((row) => h("tr", rowProps ? rowProps(row) : {},
      columns.map(([, cell]) => h("td", {}, cell(row)))))));
}

/** "Name <address>" of an API address ({name, address}), or of a list of them. */
export function addresses(value) {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address || "")).join(", ");
}

/** A date for people, in their own time zone; "" for none. */
export function when(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function bytes(n) {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A button that runs ``action`` once at a time (disabled meanwhile). */
export function button(label, action, props = {}) {
  const el = h("button", {type: "button", ...props}, label);
  el.addEventListener("click", async (event) => {
    event.preventDefault();
    el.disabled = true;
    try {
      await action(event);
    } finally {
      el.disabled = false;
    }
  });
  return el;
}

/** An error as a notice: the API's detail, code and status, or the browser's message. */
export function problem(error) {
  if (error instanceof ApiError) {
    return notice("error", error.detail, " ",
      h("span", {class: "code"}, `(${error.code}, HTTP ${error.status})`));
  }
  return notice("error", String(error && error.message ? error.message : error));
}
