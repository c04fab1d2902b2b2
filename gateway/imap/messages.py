"""Operations on single messages and batches: read, flags, move, copy, delete, append."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput, MessageNotFound
from ..model.messages import ParsedMessage
from ..protocols.imap import ImapRejected, ImapSession
from ..protocols.imap.encoding import flag_atom, parse_sequence_set, sequence_set
from ..protocols.mime.parse import parse_message
from ..protocols.mime.raw import eight_bit_header_line, message_fault
from .bodies import fetch_batches, parsed_from_parts
from .cache import SummaryCache
from .ids import MessageRef, encode_message_id
from .listing import _flags
from .structure import Summary, plan_body


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
    if (selected is not None and selected.name == ref.mailbox
            and selected.uidvalidity == ref.uidvalidity):
        try:
            found, changed = await session.fetch_then_noop(str(ref.uid).encode(), items,
                                                           uid=True)
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


async def get_message(session: ImapSession, ref: MessageRef, cache: SummaryCache, scope: str,
                      summary: Summary) -> tuple[ParsedMessage, dict]:
    """The whole message, parsed, without setting \\Seen (BODY.PEEK, RFC 3501 6.4.5).

    ``summary`` is the message's listing summary (its BODYSTRUCTURE and size): the text,
    html and attachments are the server's parts (``bodies``), so an attachment id is
    the part number its download fetches. A message's content never changes under its
    (UIDVALIDITY, UID): small ones are kept parsed in ``cache``, and a repeated read
    fetches only the current FLAGS.
    """
    key = (scope, ref.mailbox, ref.uidvalidity, ref.uid)
    hit = cache.get(key)
    if hit is not None:
        data = await fetch_one(session, ref, b"(UID FLAGS)")
        return hit["parsed"], {"flags": _flags(data), "size": hit["size"]}
    structure = summary.structure
    if structure is None:  # a server without BODYSTRUCTURE: Python's parse of the source
        return await _parsed_whole(session, ref, cache, key)
    plan = plan_body(structure)
    contents: dict[str, bytes] = {}
    flags: list[str] = []
    for index, items in enumerate(fetch_batches(plan)):
        data = await fetch_one(session, ref, items)
        if index == 0:
            flags = _flags(data)
        contents.update({k[5:-1].decode(): v for k, v in data.items()
                         if k.startswith(b"BODY[") and isinstance(v, bytes)})
    parsed = parsed_from_parts(contents.get("HEADER", b""), plan, contents)
    size = summary.size
    if size <= PARSED_CACHE_MAX_BYTES:
        cache.put(key, {"parsed": parsed, "size": size})
    return parsed, {"flags": flags, "size": size}


async def _parsed_whole(session: ImapSession, ref: MessageRef, cache: SummaryCache,
                        key: tuple) -> tuple[ParsedMessage, dict]:
    data = await fetch_one(session, ref, b"(UID FLAGS RFC822.SIZE BODY.PEEK[])")
    raw = data.get(b"BODY[]") or b""
    parsed = parse_message(raw)
    size = data.get(b"RFC822.SIZE") or len(raw)
    if len(raw) <= PARSED_CACHE_MAX_BYTES:
        cache.put(key, {"parsed": parsed, "size": size})
    return parsed, {"flags": _flags(data), "size": size}


async def header_fields(session: ImapSession, ref: MessageRef) -> ParsedMessage:
    data = await fetch_one(
        session, ref, b"(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID REFERENCES IN-REPLY-TO)])")
    raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
    return parse_message(raw or b"", headers_only=True)


def _check_flags(flags: list[str]) -> list[str]:
    for flag in flags:
        flag_atom(flag)
    return flags


async def store_flags(session: ImapSession, refs: list[MessageRef], *, add: list[str],
                      remove: list[str], set_: list[str] | None) -> dict[int, list[str]]:
    """Change flags of messages of one mailbox; returns the flags after, per UID."""
    _check_flags(add)
    _check_flags(remove)
    if set_ is not None:
        _check_flags(set_)
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


async def copy_messages(session: ImapSession, refs: list[MessageRef], dest: str, *,
                        move: bool) -> dict[int, str | None]:
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


async def append_message(session: ImapSession, mailbox: str, raw: bytes,
                         flags: list[str]) -> str | None:
    _check_flags(flags)
    if not raw.strip():
        raise InvalidInput("the message is empty")
    line = eight_bit_header_line(raw)
    if line is not None:
        raise InvalidInput(
            f"message: header line {line} holds 8-bit bytes; header fields must be ASCII "
            "(RFC 5322 section 2.2), as mail servers without UTF8=ACCEPT (RFC 6855) may store "
            "them altered: encode non-ASCII text as RFC 2047 encoded-words, or append a JSON "
            "draft", code="header_not_ascii")
    try:
        result = await session.append(mailbox, raw, flags=flags)
    except ImapRejected as exc:
        # Dovecot stores any bytes; Cyrus refuses NUL and broken header lines with a bare NO.
        # Only when the message is malformed is that refusal the caller's fault (422).
        fault = message_fault(raw)
        if fault is None:
            raise
        raise InvalidInput(f"message: {fault}; the mail server refuses it ({exc.status} "
                           f"{exc.reason})", code="message_refused") from None
    if result is None:
        return None
    return encode_message_id(mailbox, result[0], result[1])
