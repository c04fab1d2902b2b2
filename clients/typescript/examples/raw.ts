// Messages as bytes with the TypeScript client: send an RFC 5322 message as it is, append one
// (and a JSON draft) to INBOX, download an attachment and a POP3 message source.
//
// Run it like examples/quickstart.ts (MAILGATE_URL, MAILGATE_TOKEN, MAILGATE_ACCOUNT); the
// account needs IMAP, SMTP and POP3. It prints one JSON object.
import { randomBytes } from 'node:crypto';

import { createClient } from '../src/client/index.js';
import {
  appendMessage,
  getAccount,
  getAttachment,
  getPop3Raw,
  getRaw,
  listPop3Messages,
  sendRaw,
} from '../src/index.js';

const account = process.env.MAILGATE_ACCOUNT ?? 'alice';
const client = createClient({
  baseUrl: process.env.MAILGATE_URL ?? 'http://127.0.0.1:8025',
  auth: process.env.MAILGATE_TOKEN,
});
const opts = { client, throwOnError: true } as const;
const tag = randomBytes(4).toString('hex');
const { data: me } = await getAccount({ ...opts, path: { account } });

// A message as it is (sent as message/rfc822): envelope from its headers.
const source = `From: ${me.email}\r\nTo: ${me.email}\r\nSubject: Raw ${tag}\r\n\r\nAs it is.\r\n`;
const { data: sent } = await sendRaw({ ...opts, path: { account }, body: new Blob([source]) });
if (!('accepted' in sent)) throw new Error('queued, not sent');

// Append a message with an attachment, already \Seen; then download the attachment. The
// generated appendMessage sends a JSON draft; a raw message says its own type and is sent as
// it is (no serializer).
const attachment = randomBytes(300);
const { data: appended } = await appendMessage({
  ...opts,
  path: { account, mailbox: 'INBOX' },
  query: { flags: ['\\Seen'] },
  body: new Blob([withAttachment(me.email, `Appended ${tag}`, attachment)]) as never,
  bodySerializer: null,
  headers: { 'Content-Type': 'message/rfc822' },
});
if (appended.id === null) throw new Error('no id for the new message (no UIDPLUS)');
const { data: part } = await getAttachment({
  ...opts,
  path: { account, message: appended.id, attachment: '2' },
  parseAs: 'arrayBuffer',
});
const partBytes = Buffer.from(part as unknown as ArrayBuffer);

// A JSON draft, built by the gateway; its source comes back as bytes.
const { data: draft } = await appendMessage({
  ...opts,
  path: { account, mailbox: 'INBOX' },
  body: { to: [me.email], subject: `Draft ${tag}`, text: 'Built by the gateway.' },
});
if (draft.id === null) throw new Error('no id for the new message (no UIDPLUS)');
const { data: draftSource } = await getRaw({
  ...opts,
  path: { account, message: draft.id },
  parseAs: 'text',
});

// The same mailbox through POP3: one message's source.
const { data: pop3 } = await listPop3Messages({ ...opts, path: { account } });
const first = pop3.items[0];
const { data: pop3Source } = await getPop3Raw({
  ...opts,
  path: { account, uidl: first.uidl },
  parseAs: 'text',
});
const pop3Text = pop3Source as unknown as string;

console.log(JSON.stringify({
  tag,
  sent_raw: { message_id: sent.message_id, accepted: sent.accepted },
  appended: { id: appended.id, attachment_is_the_same: partBytes.equals(attachment) },
  draft: {
    id: draft.id,
    subject_line: (draftSource as unknown as string).includes(`Subject: Draft ${tag}`),
  },
  pop3: {
    uidl: first.uidl,
    bytes: Buffer.byteLength(pop3Text),
    headers: pop3Text.split('\r\n\r\n', 1)[0].split('\r\n').length,
  },
}));

/** A multipart/mixed message: a text part, then `content` as a base64 attachment. */
function withAttachment(me: string, subject: string, content: Buffer): string {
  const body = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return `From: ${me}\r\nTo: ${me}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n`
    + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    + '--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n'
    + '--b1\r\nContent-Type: application/octet-stream\r\n'
    + 'Content-Disposition: attachment; filename="data.bin"\r\n'
    + `Content-Transfer-Encoding: base64\r\n\r\n${body}\r\n--b1--\r\n`;
}
