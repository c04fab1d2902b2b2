"""Operations on single messages and batches: read, flags, move, copy, delete, append."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput, MessageNotFound
from ..model.messages import ParsedMessage
from ..protocols.imap import ImapRejected, ImapSession, gmail
from ..protocols.imap.encoding import flag_atom, parse_sequence_set, sequence_set
from ..protocols.mime.parse import parse_message
from ..protocols.mime.raw import eight_bit_header_line, message_fault
from .bodies import fetch_batches, parsed_from_parts
from .cache import SummaryCache
from .derived import bounce_report, read_bounce, set_reply_text
from .ids import MessageRef, encode_message_id
from .listing import _flags
from .structure import GmailFacts, Summary, flag_items, labels_of, plan_body


async def select_for(session: ImapSession, ref: MessageRef) -> None:
    """Select the message's mailbox; a changed UIDVALIDITY means the id is stale (404).

    When the mailbox is still selected from an earlier request, a NOOP first: the
    server reports expunges then, and complains (untagged NO, or BYE: the pool then
    retries on a fresh session) if the mailbox was deleted meanwhile; the SELECT that
    follows then sees the new UIDVALIDITY.
    """
    if session.selected is not None and session.selected.name == ref.mailbox:
        await session.resync()
    selected = await session.select(ref.mailbox)
    if selected.uidvalidity != ref.uidvalidity:
        raise MessageNotFound("this message id is stale: the mailbox was recreated")


async def fetch_one(session: ImapSession, ref: MessageRef, items: bytes) -> dict[bytes, Any]:
    """One message's items. On a session that has its mailbox selected already, UID FETCH
    and NOOP go out together (one round trip); if the NOOP brings news, start over."""
    selected = session.selected
    if (
        selected is not None
        and selected.name == ref.mailbox
        and selected.uidvalidity == ref.uidvalidity
    ):
        try:
            found, changed = await session.fetch_then_noop(str(ref.uid).encode(), items, uid=True)
        except ImapRejected:
            session.selected, changed = None, True
        if not changed:
            if ref.uid not in found:
                raise MessageNotFound("no such message (deleted or moved)")
            return found[ref.uid]
    await select_for(session, ref)
    data = (await session.uid_fetch(str(ref.uid).encode(), items)).get(ref.uid)
    if data is None:
        raise MessageNotFound("no such message (deleted or moved)")
    return data


PARSED_CACHE_MAX_BYTES = 256 * 1024  # larger messages are parsed on every read


async def get_message(
    session: ImapSession, ref: MessageRef, cache: SummaryCache, scope: str, summary: Summary
) -> tuple[ParsedMessage, dict]:
    """The whole message, parsed, without setting \\Seen (BODY.PEEK, RFC 3501 6.4.5).

    ``summary`` is the message's listing summary (its BODYSTRUCTURE and size): the text,
    html and attachments are the server's parts (``bodies``), so an attachment id is
    the part number its download fetches. A message's content never changes under its
    (UIDVALIDITY, UID): small ones are kept parsed in ``cache``, and a repeated read
    fetches only the current FLAGS.

    On Gmail (X-GM-EXT-1) the message's labels come with its flags, and ``meta["gmail"]``
    holds them with the summary's thread and message ids (``GmailFacts``).
    """
    key = (scope, ref.mailbox, ref.uidvalidity, ref.uid)
    on_gmail = session.has(gmail.CAPABILITY)
    hit = cache.get(key)
    if hit is not None:
        data = await fetch_one(session, ref, flag_items(on_gmail))
        return hit["parsed"], _meta(data, hit["size"], summary, on_gmail)
    structure = summary.structure
    if structure is None:  # a server without BODYSTRUCTURE: Python's parse of the source
        return await _parsed_whole(session, ref, cache, key, summary, on_gmail)
    plan = plan_body(structure)
    contents: dict[str, bytes] = {}
    first: dict[bytes, Any] = {}
    for index, items in enumerate(fetch_batches(plan, labels=on_gmail)):
        data = await fetch_one(session, ref, items)
        if index == 0:
            first = data
        contents.update(
            {
                k[5:-1].decode(): v
                for k, v in data.items()
                if k.startswith(b"BODY[") and isinstance(v, bytes)
            }
        )
    parsed = parsed_from_parts(contents.get("HEADER", b""), plan, contents)
    set_reply_text(parsed)
    parsed.bounce = await read_bounce(session, ref, contents.get("HEADER", b""))
    size = summary.size
    if size <= PARSED_CACHE_MAX_BYTES:
        cache.put(key, {"parsed": parsed, "size": size})
    return parsed, _meta(first, size, summary, on_gmail)


def _meta(data: dict[bytes, Any], size: int, summary: Summary, on_gmail: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"flags": _flags(data), "size": size}
    if on_gmail:
        meta["gmail"] = GmailFacts.of(summary, labels_of(data))
    return meta


async def _parsed_whole(
    session: ImapSession,
    ref: MessageRef,
    cache: SummaryCache,
    key: tuple,
    summary: Summary,
    on_gmail: bool,
) -> tuple[ParsedMessage, dict]:
    items = b"(UID FLAGS RFC822.SIZE BODY.PEEK[]" + (b" X-GM-LABELS)" if on_gmail else b")")
    data = await fetch_one(session, ref, items)
    raw = data.get(b"BODY[]") or b""
    parsed = parse_message(raw)
    set_reply_text(parsed)
    parsed.bounce = bounce_report(raw)
    size = data.get(b"RFC822.SIZE") or len(raw)
    if len(raw) <= PARSED_CACHE_MAX_BYTES:
        cache.put(key, {"parsed": parsed, "size": size})
    return parsed, _meta(data, size, summary, on_gmail)


async def header_fields(session: ImapSession, ref: MessageRef) -> ParsedMessage:
    data = await fetch_one(
        session, ref, b"(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID REFERENCES IN-REPLY-TO)])"
    )
    raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
    return parse_message(raw or b"", headers_only=True)


def _check_flags(flags: list[str]) -> list[str]:
    for flag in flags:
        flag_atom(flag)
    return flags


def check_flag_changes(add: list[str], remove: list[str], set_: list[str] | None) -> None:
    """Every flag of a change is one the gateway would send (InvalidInput otherwise)."""
    _check_flags(add)
    _check_flags(remove)
    if set_ is not None:
        _check_flags(set_)


async def store_flags(
    session: ImapSession,
    refs: list[MessageRef],
    *,
    add: list[str],
    remove: list[str],
    set_: list[str] | None,
) -> dict[int, list[str]]:
    """Change flags of messages of one mailbox; returns the flags after, per UID."""
    check_flag_changes(add, remove, set_)
    await select_for(session, refs[0])
    uids = sequence_set(r.uid for r in refs)
    if set_ is not None:
        final = [f for f in dict.fromkeys(set_ + add) if f not in remove]
        await session.uid_store(uids, b"FLAGS", final)
    else:
        if add:
            await session.uid_store(uids, b"+FLAGS", add)
        if remove:
            await session.uid_store(uids, b"-FLAGS", remove)
    data = await session.uid_fetch(uids, b"(UID FLAGS)")
    return {uid: _flags(d) for uid, d in data.items()}


async def store_labels(
    session: ImapSession,
    ref: MessageRef,
    *,
    add: list[str],
    remove: list[str],
    set_: list[str] | None,
) -> tuple[str, ...] | None:
    """Change a message's Gmail labels (UID STORE X-GM-LABELS); the labels after, or None
    when the message is gone. Off Gmail (no X-GM-EXT-1) this is a 422."""
    if not session.has(gmail.CAPABILITY):
        raise InvalidInput(
            "labels: Gmail's labels exist on Gmail only (this server does not offer X-GM-EXT-1)",
            code="gmail_labels_unsupported",
        )
    for names in (add, remove, set_ or []):
        gmail.label_list(names)  # refuse what cannot be sent before changing anything
    await select_for(session, ref)
    uid = str(ref.uid).encode()
    after: dict[int, tuple[str, ...]] = {}
    steps = (
        [(b"X-GM-LABELS", [n for n in dict.fromkeys(set_ + add) if n not in remove])]
        if set_ is not None
        else [(b"+X-GM-LABELS", add), (b"-X-GM-LABELS", remove)]
    )
    for action, names in steps:
        if names or action == b"X-GM-LABELS":
            after = await session.uid_store_labels(uid, action, names)
    if ref.uid in after:
        return after[ref.uid]
    data = await session.uid_fetch(uid, b"(UID X-GM-LABELS)")
    return labels_of(data[ref.uid]) if ref.uid in data else None


async def existing(session: ImapSession, refs: list[MessageRef]) -> set[int]:
    await select_for(session, refs[0])
    data = await session.uid_fetch(sequence_set(r.uid for r in refs), b"(UID)")
    return set(data)


def _map_copyuid(copyuid: list[str] | None, dest: str) -> dict[int, str]:
    """COPYUID (RFC 4315): source set and destination set, in the same order."""
    if not copyuid:
        return {}
    validity = int(copyuid[0])
    src = [u for lo, hi in parse_sequence_set(copyuid[1]) for u in range(lo, hi + 1)]
    dst = [u for lo, hi in parse_sequence_set(copyuid[2]) for u in range(lo, hi + 1)]
    return {s: encode_message_id(dest, validity, d) for s, d in zip(src, dst, strict=False)}


async def copy_messages(
    session: ImapSession, refs: list[MessageRef], dest: str, *, move: bool
) -> dict[int, str | None]:
    """COPY or MOVE messages of one mailbox to ``dest``; new ids by source UID."""
    present = await existing(session, refs)
    if not present:
        return {}
    uids = sequence_set(present)
    if move and session.has("MOVE"):
        copyuid = await session.uid_move(uids, dest)
    else:
        copyuid = await session.uid_copy(uids, dest)
        if move:
            await session.uid_store(uids, b"+FLAGS.SILENT", ["\\Deleted"])
            await session.uid_expunge(uids)
    mapping = _map_copyuid(copyuid, dest)
    return {uid: mapping.get(uid) for uid in present}


async def expunge_messages(session: ImapSession, refs: list[MessageRef]) -> set[int]:
    """Delete permanently: \\Deleted then UID EXPUNGE of just these (RFC 4315)."""
    present = await existing(session, refs)
    if present:
        uids = sequence_set(present)
        await session.uid_store(uids, b"+FLAGS.SILENT", ["\\Deleted"])
        await session.uid_expunge(uids)
    return present


async def append_message(
    session: ImapSession, mailbox: str, raw: bytes, flags: list[str]
) -> str | None:
    _check_flags(flags)
    if not raw.strip():
        raise InvalidInput("the message is empty")
    line = eight_bit_header_line(raw)
    if line is not None:
        raise InvalidInput(
            f"message: header line {line} holds 8-bit bytes; header fields must be ASCII "
            "(RFC 5322 section 2.2), as mail servers without UTF8=ACCEPT (RFC 6855) may store "
            "them altered: encode non-ASCII text as RFC 2047 encoded-words, or append a JSON "
            "draft",
            code="header_not_ascii",
        )
    try:
        result = await session.append(mailbox, raw, flags=flags)
    except ImapRejected as exc:
        # Dovecot stores any bytes; Cyrus refuses NUL and broken header lines with a bare NO.
        # Only when the message is malformed is that refusal the caller's fault (422).
        fault = message_fault(raw)
        if fault is None:
            raise
        raise InvalidInput(
            f"message: {fault}; the mail server refuses it ({exc.status} {exc.reason})",
            code="message_refused",
        ) from None
    if result is None:
        return None
    return encode_message_id(mailbox, result[0], result[1])
