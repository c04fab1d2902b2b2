// The TypeScript client in a few calls: send a message to the account itself, see it arrive
// as a `message.new` event, find it in INBOX and read it, parsed and raw.
//
// With `make run` going (the demo), from clients/typescript after `npm ci && npm run build`:
//
//     MAILGATE_TOKEN=$(cat ../../.demo/admin-token) node dist/examples/quickstart.js
//
// MAILGATE_URL (default http://127.0.0.1:8025) and MAILGATE_ACCOUNT (default alice) say
// where and as whom. It prints what it saw as one JSON object.
import { randomBytes } from 'node:crypto';

import { createClient } from '../src/client/index.js';
import { getAccount, getMessage, getRaw, listMessages, send, streamEvents } from '../src/index.js';

type Event = { id: string; type: string; data: { id: string; mailbox: string; subject: string } };

const account = process.env.MAILGATE_ACCOUNT ?? 'alice';
const client = createClient({
  baseUrl: process.env.MAILGATE_URL ?? 'http://127.0.0.1:8025',
  auth: process.env.MAILGATE_TOKEN,
});
// On every call: a problem+json answer rejects the promise (with the problem).
const opts = { client, throwOnError: true } as const;

const { data: me } = await getAccount({ ...opts, path: { account } });
const subject = `Hello from the TypeScript client ${randomBytes(4).toString('hex')}`;

// The event stream shows what happens from now on: open it before sending. Comments
// (`: connected`, `: heartbeat`) come to onSseEvent without data, and are not yielded.
const stop = new AbortController();
let connected: () => void;
const listening = new Promise<void>((resolve) => (connected = resolve));
const { stream } = await streamEvents({
  client,
  query: { account, types: 'message.new' },
  signal: stop.signal,
  sseMaxRetryAttempts: 1,
  onSseEvent: (event) => event.data === undefined && connected(),
});
const arrived = (async () => {
  for await (const event of stream as AsyncGenerator<Event>) {
    if (event.data.mailbox === 'INBOX' && event.data.subject === subject) return event;
  }
  throw new Error('the event stream ended');
})();
const timer = setTimeout(() => stop.abort(), 60_000);
await listening; // the gateway is listening for us

const { data: sent } = await send({
  ...opts,
  path: { account },
  body: { to: [me.email], subject, text: 'Sent, listed and read with mailgate.' },
});
if (!('accepted' in sent)) throw new Error('queued, not sent'); // 202 would be queued
const event = await arrived;
stop.abort();
clearTimeout(timer);

const { data: page } = await listMessages({
  ...opts,
  path: { account, mailbox: 'INBOX' },
  query: { limit: 10 },
});
const listed = page.items.find((m) => m.id === event.data.id)!;
const { data: message } = await getMessage({ ...opts, path: { account, message: listed.id } });
// The source comes as message/rfc822: say how to read it (the client guesses JSON otherwise).
const { data: raw } = await getRaw({
  ...opts,
  path: { account, message: listed.id },
  parseAs: 'text',
});
const source = raw as unknown as string;

console.log(JSON.stringify({
  sent: { message_id: sent.message_id, accepted: sent.accepted },
  event: { id: event.id, type: event.type, message: event.data.id },
  listed: { id: listed.id, subject: listed.subject },
  read: { subject: message.subject, from: message.from?.[0]?.address, text: message.text },
  raw: { bytes: Buffer.byteLength(source), subject_line: source.includes(`Subject: ${subject}`) },
}));
