"""What the gateway relies on in its libraries beyond their documented API, pinned.

Each test names the behaviour it pins and, in its docstring, the gateway code that depends
on it. A failure here after an upgrade means: read that code before raising the bound in
pyproject.toml (the libraries whose internals we use are held to one minor version).
The SMTP tests run against the session's real Postfix; the rest need no network.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import tomllib
from importlib import metadata
from pathlib import Path

import aioimaplib
import httpcore
import imapclient.response_parser as imap_parser
import pytest
import sqlalchemy
from aiosmtplib.errors import SMTPReadTimeoutError, SMTPServerDisconnected
from aiosmtplib.protocol import SMTPProtocol
from imapclient.datetime_util import parse_to_datetime
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from gateway.events.pinned_transport import PinnedBackend
from gateway.protocols.imap.parsing import parse_fetch
from gateway.protocols.imap.wire import BufferedShim, ImapWireProtocol, ResponseReader, _classify
from gateway.protocols.smtp.client import SmtpSession, SmtpTarget, _replies_taken_over
from gateway.protocols.tls import client_ssl_context
from gateway.server import GuardedProtocol
from tests.mailstack import MailStack

ROOT = Path(__file__).resolve().parent.parent
# The libraries whose internals the gateway uses: each held to the minor version tested.
ONE_MINOR = ("aiosmtplib", "aioimaplib", "imapclient", "uvicorn")
MSG = b"Subject: contract\r\nMessage-ID: <contract@example.test>\r\n\r\nhello\r\n"


def _locked() -> dict[str, str]:
    out = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            out[canonicalize_name(name)] = version
    return out


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


# -- the tested set ------------------------------------------------------------------------------


def test_installed_packages_are_the_locked_set() -> None:
    """scripts/bootstrap.sh installs with requirements.lock as constraints, so the suite (and
    CI) runs on exactly the locked versions; a drifted virtualenv fails here."""
    locked = _locked()
    assert locked, "requirements.lock is empty"
    drift = {
        name: (version, metadata.version(name))
        for name, version in locked.items()
        if metadata.version(name) != version
    }
    assert not drift, f"installed versions differ from requirements.lock: {drift}"


def test_every_runtime_dependency_has_bounds_that_admit_the_lock() -> None:
    """pyproject.toml: a lower and an upper bound for every runtime dependency, and the
    locked (tested) version inside them."""
    locked = _locked()
    for req in _runtime_requirements():
        operators = {spec.operator for spec in req.specifier}
        assert ">=" in operators and "<" in operators, f"{req.name}: needs >= and < bounds"
        version = locked[canonicalize_name(req.name)]
        assert req.specifier.contains(version), f"{req.name} {version} is outside {req.specifier}"


def test_libraries_whose_internals_we_use_are_held_to_the_tested_minor() -> None:
    """aiosmtplib, aioimaplib, imapclient and uvicorn: pyproject.toml admits only the minor
    version that requirements.lock holds (and this file tests)."""
    locked = _locked()
    bounds = {canonicalize_name(r.name): r.specifier for r in _runtime_requirements()}
    for name in ONE_MINOR:
        tested = Version(locked[name])
        upper = [Version(s.version) for s in bounds[name] if s.operator == "<"]
        lower = [Version(s.version) for s in bounds[name] if s.operator == ">="]
        assert upper == [Version(f"{tested.major}.{tested.minor + 1}")], (name, upper)
        assert lower and lower[0].release[:2] == (tested.major, tested.minor), (name, lower)


# -- aiosmtplib ----------------------------------------------------------------------------------


def _target(stack: MailStack, security: str) -> SmtpTarget:
    return SmtpTarget(
        host=stack.host,
        port=stack.submission,
        security=security,
        username="a@example.test",
        password=stack.password,
        connect_timeout=5,
        command_timeout=10,
        ssl_context=(
            client_ssl_context(verify=True, ca_file=str(stack.cert)) if security != "none" else None
        ),
    )


@pytest.mark.parametrize("security", ["starttls", "none"])
async def test_aiosmtplib_protocol_transport_is_the_live_connection(
    mailstack: MailStack, security: str
) -> None:
    """``SMTP.protocol`` is the ``SMTPProtocol`` that owns the socket and
    ``SMTPProtocol.transport`` its transport, the TLS one after STARTTLS: the transport that
    ``gateway.protocols.smtp._replies_taken_over`` lends to its reply reader."""
    async with SmtpSession(_target(mailstack, security)) as session:
        smtp = session._smtp
        assert smtp is not None and isinstance(smtp.protocol, SMTPProtocol)
        transport = smtp.protocol.transport
        assert transport is not None and transport.get_protocol() is smtp.protocol
        tls = transport.get_extra_info("sslcontext") is not None
        assert tls is (security == "starttls")


@pytest.mark.parametrize("security", ["starttls", "none"])
async def test_aiosmtplib_takes_back_a_transport_lent_to_another_protocol(
    mailstack: MailStack, security: str
) -> None:
    """After the transport was lent (``transport.set_protocol``) and given back, aiosmtplib
    reads its next reply correctly: it kept no half-read state. Both SMTP transaction paths
    of ``SmtpSession`` (``_pipelined``, ``_one_by_one``) lend it for each message."""
    rcpt = mailstack.new_user("contract")
    async with SmtpSession(_target(mailstack, security)) as session:
        smtp = session._smtp
        assert smtp is not None
        with _replies_taken_over(smtp) as (transport, reader):
            transport.write(b"NOOP\r\n")
            assert (await reader.reply(10))[0] == 250
        assert smtp.protocol is not None and smtp.protocol.transport is transport
        assert transport.get_protocol() is smtp.protocol
        reply = await smtp.execute_command(b"NOOP", timeout=10)
        assert reply.code == 250
        result = await session.send("a@example.test", [rcpt], MSG)
        assert result.accepted == [rcpt]
        assert (await smtp.execute_command(b"NOOP", timeout=10)).code == 250


async def test_aiosmtplib_learns_of_a_connection_lost_while_lent(mailstack: MailStack) -> None:
    """A connection that ends while the reply reader holds the transport reaches aiosmtplib
    too (``ReplyReader.connection_lost`` calls its ``connection_lost``): ``is_connected``
    turns False, so ``SmtpSession`` and ``SmtpPool`` see a dead session."""
    async with SmtpSession(_target(mailstack, "none")) as session:
        smtp = session._smtp
        assert smtp is not None
        with _replies_taken_over(smtp) as (transport, reader):
            transport.write(b"QUIT\r\n")
            assert (await reader.reply(10))[0] == 221
            with pytest.raises(SMTPServerDisconnected):
                await reader.reply(10)
        assert not smtp.is_connected
        async with asyncio.timeout(10):  # its connection_lost runs in a later callback
            while smtp.protocol is not None and smtp.protocol.transport is not None:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.01)


async def test_aiosmtplib_loses_replies_it_did_not_wait_for(mailstack: MailStack) -> None:
    """Why the gateway reads pipelined replies itself (``smtp_pipeline.ReplyReader``):
    aiosmtplib keeps only the reply it waits for, so a second reply in flight is lost. If
    this starts to pass through, aiosmtplib may pipeline by itself: reconsider the take-over."""
    async with SmtpSession(_target(mailstack, "none")) as session:
        smtp = session._smtp
        assert smtp is not None and smtp.protocol is not None
        smtp.protocol.write(b"NOOP\r\nNOOP\r\n")
        assert (await smtp.protocol.read_response(timeout=10)).code == 250
        with pytest.raises(SMTPReadTimeoutError):
            await smtp.protocol.read_response(timeout=2)
        session.close()


# -- aioimaplib ----------------------------------------------------------------------------------

_TRANSPORT_CALLBACKS = (
    "connection_made",
    "connection_lost",
    "data_received",
    "eof_received",
    "pause_writing",
    "resume_writing",
    "get_buffer",
    "buffer_updated",
)


def test_aioimaplib_protocol_is_built_with_the_loop_alone() -> None:
    """``ImapWireProtocol.__init__`` calls ``IMAP4ClientProtocol.__init__(loop)``: the loop
    first, everything else optional; and it is still a plain ``asyncio.Protocol``."""
    params = list(inspect.signature(aioimaplib.IMAP4ClientProtocol.__init__).parameters.values())
    assert [p.name for p in params[:2]] == ["self", "loop"]
    assert all(p.default is not inspect.Parameter.empty for p in params[2:])
    assert issubclass(aioimaplib.IMAP4ClientProtocol, asyncio.Protocol)
    assert (aioimaplib.CONNECTED, aioimaplib.LOGOUT) == ("CONNECTED", "LOGOUT")


def test_aioimaplib_reader_is_unreachable_from_the_transport() -> None:
    """Every transport callback aioimaplib's protocol defines is overridden by
    ``ImapWireProtocol`` (gateway/protocols/imap/wire.py), and the transport only ever sees
    ``BufferedShim``: aioimaplib's own response handling (quadratic, recursive) never runs."""
    ours = ImapWireProtocol.__dict__
    for klass in aioimaplib.IMAP4ClientProtocol.__mro__:
        if klass.__module__.startswith("asyncio") or klass is object:
            continue
        for name in _TRANSPORT_CALLBACKS:
            if name in klass.__dict__:
                assert name in ours, f"aioimaplib's {klass.__name__}.{name} is not overridden"
    for name in (
        "connection_made",
        "connection_lost",
        "get_buffer",
        "buffer_updated",
        "eof_received",
    ):
        assert name in BufferedShim.__dict__


_BOTH = {"AUTH", "SELECTED"}
# Every command the gateway sends that aioimaplib's table knows, and the states it allows.
_STATES_OF = {
    "CAPABILITY": {"NONAUTH", *_BOTH},
    "NOOP": {"NONAUTH", *_BOTH},
    "LOGOUT": {"NONAUTH", "LOGOUT", *_BOTH},
    "STARTTLS": {"NONAUTH"},
    "LOGIN": {"NONAUTH"},
    "AUTHENTICATE": {"NONAUTH"},
    "ENABLE": {"AUTH"},
    **dict.fromkeys(
        (
            "SELECT",
            "EXAMINE",
            "LIST",
            "LSUB",
            "STATUS",
            "CREATE",
            "DELETE",
            "RENAME",
            "SUBSCRIBE",
            "UNSUBSCRIBE",
            "APPEND",
        ),
        _BOTH,
    ),
    **dict.fromkeys(
        ("UID", "FETCH", "STORE", "COPY", "MOVE", "EXPUNGE", "SEARCH", "IDLE"), {"SELECTED"}
    ),
}


def test_aioimaplib_command_table_gives_each_command_its_rfc3501_states() -> None:
    """``ImapConnection._run`` refuses a command whose state aioimaplib's ``Commands``
    table does not allow (gateway/protocols/imap/connection.py ``_not_in_state``): the
    table must keep allowing each command the gateway sends where the gateway sends it."""
    table = {verb: set(aioimaplib.Commands[verb].valid_states) for verb in _STATES_OF}
    assert table == _STATES_OF
    assert {aioimaplib.NONAUTH, aioimaplib.AUTH, aioimaplib.SELECTED, aioimaplib.STARTED} == {
        "NONAUTH",
        "AUTH",
        "SELECTED",
        "STARTED",
    }


async def test_aioimaplib_handles_no_response_under_the_wire_protocol() -> None:
    """Responses fed to ``ImapWireProtocol`` go to the gateway's reader only: aioimaplib
    starts no task of its own (its greeting handler would) and its state stays where
    ``ImapWireProtocol`` puts it."""
    proto = ImapWireProtocol(asyncio.get_running_loop())
    proto.data_received(b"* OK ready\r\n* 3 EXISTS\r\nX1 OK stray\r\n")
    assert proto.greeting.done() and proto.greeting.result().kind == b"OK"
    assert proto.pushed.qsize() == 1
    assert not proto.tasks and proto.state == aioimaplib.STARTED


async def test_aioimaplib_defines_nothing_the_wire_protocol_sets() -> None:
    """The attributes ``ImapWireProtocol`` adds are no names aioimaplib's class uses (a
    property or method of that name there would be shadowed, or shadow ours)."""
    loop = asyncio.get_running_loop()
    added = set(vars(ImapWireProtocol(loop))) - set(vars(aioimaplib.IMAP4ClientProtocol(loop)))
    assert added
    clash = {name for name in added if hasattr(aioimaplib.IMAP4ClientProtocol, name)}
    assert not clash


# -- imapclient ----------------------------------------------------------------------------------

_FETCHES = (
    b'* 4 FETCH (UID 10 FLAGS (\\Seen) INTERNALDATE "01-Jan-2024 10:00:00 +0100" ENVELOPE '
    b'("Mon, 1 Jan 2024 10:00:00 +0000" "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" '
    b'(("Ann" NIL "ann" "example.test")) (("Ann" NIL "ann" "example.test")) NIL '
    b'((NIL NIL "bob" "example.test")(NIL NIL "team" NIL)(NIL NIL NIL NIL)) NIL NIL '
    b'"<parent@x>" "<id@x>") BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL '
    b'"7BIT" 5 1 NIL NIL NIL NIL))\r\n'
    b'* 5 FETCH (UID 11 INTERNALDATE "not a date" ENVELOPE '
    b'("garbage" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n'
    b"* 6 FETCH (UID 12 ENVELOPE (NIL {5}\r\nhello NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
)


def test_imapclient_private_envelope_converter_matches_its_public_fetch_parser() -> None:
    """``gateway/protocols/imap/parsing.py`` tokenizes FETCH itself (``tokens.py``, ~10x
    faster) and converts ENVELOPE with imapclient's private ``_convert_ENVELOPE`` and
    INTERNALDATE with ``datetime_util.parse_to_datetime``: the values must be exactly what
    imapclient's public ``parse_fetch_response`` gives for the same lines."""
    assert "normalise_times" in inspect.signature(imap_parser._convert_ENVELOPE).parameters
    ours = parse_fetch([_classify(p) for p in ResponseReader().feed(_FETCHES)])
    texts: list = []
    for pieces in ResponseReader().feed(_FETCHES):
        first = pieces[0]
        text = first if isinstance(first, bytes) else first[0]
        text = re.sub(rb"^\* ", b"", text).replace(b" FETCH ", b" ", 1)
        head = text if isinstance(first, bytes) else (text, first[1])
        texts += [head, *pieces[1:]]
    public = imap_parser.parse_fetch_response(texts, normalise_times=False)
    assert set(ours) == set(public) == {10, 11, 12}
    for uid, values in public.items():
        for key in (b"ENVELOPE", b"INTERNALDATE", b"BODYSTRUCTURE", b"FLAGS"):
            assert ours[uid].get(key) == values.get(key), (uid, key)
    assert ours[10][b"ENVELOPE"].date is not None and ours[11][b"ENVELOPE"].date is None
    assert ours[10][b"INTERNALDATE"] == parse_to_datetime(
        b"01-Jan-2024 10:00:00 +0100", normalise=False
    )


# -- uvicorn -------------------------------------------------------------------------------------


def test_uvicorn_httptools_protocol_has_the_hooks_guarded_protocol_overrides() -> None:
    """``gateway/server.py``'s ``GuardedProtocol`` overrides these methods of uvicorn's
    ``HttpToolsProtocol`` and calls them through ``super()``: each must exist there with the
    same parameters."""
    hooks = [
        name
        for name, value in GuardedProtocol.__dict__.items()
        if callable(value) and not name.startswith("_")
    ]
    assert {
        "connection_made",
        "data_received",
        "on_message_begin",
        "on_message_complete",
        "on_response_complete",
        "pause_writing",
        "resume_writing",
    } <= set(hooks)
    for name in hooks:
        theirs = getattr(HttpToolsProtocol, name)
        assert list(inspect.signature(theirs).parameters) == list(
            inspect.signature(getattr(GuardedProtocol, name)).parameters
        ), name


async def test_uvicorn_protocol_state_that_guarded_protocol_reads() -> None:
    """``GuardedProtocol`` reads ``self.connections`` (the server's set of open
    connections), ``self.loop``, ``self.transport`` and ``self.cycle.response_complete`` /
    ``.more_body``: they must keep these names and meanings."""

    async def app(scope, receive, send) -> None:  # pragma: no cover - never called
        raise AssertionError

    state = ServerState()
    loop = asyncio.get_running_loop()
    proto = HttpToolsProtocol(Config(app, http="httptools"), state, {}, _loop=loop)
    assert proto.connections is state.connections and proto.loop is loop
    assert proto.transport is None and proto.cycle is None
    params = inspect.signature(RequestResponseCycle.__init__).parameters
    cycle = RequestResponseCycle(**{name: None for name in list(params)[1:]})
    assert cycle.response_complete is False and cycle.more_body is True


# -- httpcore, SQLAlchemy ------------------------------------------------------------------------


def test_httpcore_network_backend_interface_is_what_pinned_backend_implements() -> None:
    """``gateway/events/pinned_transport.PinnedBackend`` implements httpcore's
    ``AsyncNetworkBackend`` (public, but its methods are called by httpcore, not us): same
    methods, same parameters; the pool takes ``network_backend``."""
    for name in ("connect_tcp", "connect_unix_socket", "sleep"):
        assert name in PinnedBackend.__dict__
        assert list(
            inspect.signature(getattr(httpcore.AsyncNetworkBackend, name)).parameters
        ) == list(inspect.signature(getattr(PinnedBackend, name)).parameters), name
    pool = inspect.signature(httpcore.AsyncConnectionPool).parameters
    assert {
        "network_backend",
        "ssl_context",
        "max_keepalive_connections",
        "keepalive_expiry",
    } <= set(pool)


def test_sqlalchemy_row_mapping_reads_columns_by_name() -> None:
    """``Row._mapping`` (documented public API despite the underscore) gives the columns
    by name: ``gateway/store/audit.py`` and ``outbox.py`` build their objects from it."""
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as conn:
        row = conn.execute(sqlalchemy.text("SELECT 1 AS a, 'x' AS b")).one()
    assert dict(row._mapping) == {"a": 1, "b": "x"}
