// The live event tail: GET /v1/events read with fetch() and a stream reader, since an
// EventSource cannot send the Authorization header. Reconnects with Last-Event-ID, so an
// event sent while the connection was down is still shown (the gateway replays it).

import {ApiError, stream} from "./api.js";

/** Parse Server-Sent Events text (WHATWG HTML, "Interpreting an event stream").
 *  Feed it chunks; it calls onEvent({id, event, data}) and onComment(text). */
export class SseParser {
  constructor(onEvent, onComment = () => {}) {
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.buffer = "";
    this.fields = {data: []};
  }

  feed(chunk) {
    this.buffer += chunk;
    // A final "\r" may be the first half of "\r\n": keep it until what follows arrives.
    const end = this.buffer.endsWith("\r") ? this.buffer.length - 1 : this.buffer.length;
    const lines = this.buffer.slice(0, end).split(/\r\n|\r|\n/);
    // The last piece is a line not ended yet.
    this.buffer = lines.pop() + this.buffer.slice(end);
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.fields.data.length) {
        this.onEvent({id: this.fields.id, event: this.fields.event || "message",
                      data: this.fields.data.join("\n")});
      }
      this.fields = {data: [], id: undefined, event: undefined};
      return;
    }
    if (line.startsWith(":")) {
      this.onComment(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "data") this.fields.data.push(value);
    else if (name === "id" || name === "event") this.fields[name] = value;
  }
}

/** The console's one event stream, open while signed in. */
export class EventTail {
  constructor({onEvent, onState, keep = 500}) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.keep = keep;
    this.events = [];
    this.lastId = null;
    this.controller = null;
    this.stopped = true;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.run();
  }

  stop() {
    this.stopped = true;
    if (this.controller) this.controller.abort();
  }

  async run() {
    let delay = 1000;
    while (!this.stopped) {
      this.controller = new AbortController();
      this.onState("connecting");
      try {
        const response = await stream("events", {signal: this.controller.signal,
                                                  lastEventId: this.lastId});
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser((raw) => this.received(raw), (comment) => {
          if (comment === "connected") {
            delay = 1000;
            this.onState("live");
          }
        });
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          this.stopped = true;
          this.onState("refused", error.detail);
          return;
        }
      }
      if (this.stopped) return;
      this.onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  received(raw) {
    if (raw.event === "error") {  // the gateway ends the stream; reconnect unless revoked
      let problem = {};
      try {
        problem = JSON.parse(raw.data);
      } catch { /* no detail */ }
      if (problem.code === "token_revoked") {
        this.stop();
        this.onState("refused", problem.detail || "the token was revoked");
      }
      return;
    }
    let event;
    try {
      event = JSON.parse(raw.data);
    } catch {
      return;
    }
    if (raw.id) this.lastId = raw.id;
    this.events.push(event);
    if (this.events.length > this.keep) this.events.splice(0, this.events.length - this.keep);
    this.onEvent(event);
  }
}
