// The /v1 API as the console calls it: the token (kept in this tab's sessionStorage) goes
// in the Authorization header, and a problem+json answer becomes an ApiError.

const TOKEN_KEY = "mailgate.token";
// The gateway's own /v1, wherever the console is served from (…/ui/ -> …/v1/).
const BASE = new URL("../v1/", document.baseURI);

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API: its status and its problem's code and detail. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem.detail || problem.title || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.code = problem.code || "http_error";
    this.detail = detail;
  }
}

/** The URL of an API path ("accounts/alice") with its query ({limit: 20}; nulls left out). */
export function url(path, query = {}) {
  const target = new URL(path.replace(/^\/+/, ""), BASE);
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") {
      target.searchParams.set(key, String(value));
    }
  }
  return target;
}

/** One path segment, encoded (ids are URL-safe, but a mailbox path may not be). */
export function seg(value) {
  return encodeURIComponent(value);
}

function headers(extra = {}) {
  const out = {...extra};
  const current = token();
  if (current) out.Authorization = `Bearer ${current}`;
  return out;
}

/** Call the API; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(method, path, {body, query, signal} = {}) {
  const init = {method, headers: headers({Accept: "application/json"}), signal,
                cache: "no-store", credentials: "omit", redirect: "error"};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url(path, query), init);
  return decode(response);
}

/** The body of a non-JSON answer (raw source, attachment) as a Blob. */
export async function blob(path, {query, signal} = {}) {
  const response = await fetch(url(path, query), {
    headers: headers(), signal, cache: "no-store", credentials: "omit", redirect: "error"});
  if (!response.ok) await decode(response);
  return response.blob();
}

/** An open streaming answer (for the event stream): the Response, or an ApiError. */
export async function stream(path, {query, signal, lastEventId} = {}) {
  const extra = {Accept: "text/event-stream"};
  if (lastEventId) extra["Last-Event-ID"] = lastEventId;
  const response = await fetch(url(path, query), {
    headers: headers(extra), signal, cache: "no-store", credentials: "omit", redirect: "error"});
  if (!response.ok) await decode(response);
  return response;
}

async function decode(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const json = type.includes("json") ? await response.json().catch(() => ({})) : {};
  if (!response.ok) {
    throw new ApiError(response.status, json && typeof json === "object" ? json : {});
  }
  return json;
}

/** Every page of a list ({items, next_cursor}), at most ``max`` items. */
export async function all(path, query = {}, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", path, {query: {...query, cursor}});
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
