"""The service container: built by the app factory, started and stopped by its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import httpx

from .accounts.imap_pool import ImapPool
from .accounts.registry import AccountRegistry
from .accounts.smtp_pool import SmtpPool
from .accounts.store_lock import StoreLocks
from .audit import AuditLog
from .discovery import Autodiscovery
from .events.account_state import state_change_publisher
from .events.bus import EventBus
from .events.dispatcher import WebhookDispatcher
from .events.pinned_transport import PinnedTransport
from .events.types import ACCOUNT_REAUTH_REQUIRED
from .events.url_policy import Resolver, WebhookUrlPolicy
from .events.webhooks import WebhookService
from .imap.drafts import DraftsMailbox
from .imap.search import SearchService
from .imap.service import MailService
from .instance import instance_name
from .model.accounts import OAuth2Config
from .oauth2.connect import OAuth2Connect
from .oauth2.tokens import TokenRefresher
from .outbox.after_send import AfterSend
from .outbox.drafts import DraftService
from .outbox.forward import Forwarder
from .outbox.idempotency import IdempotencyGuard
from .outbox.journal import EndOfDataJournal
from .outbox.service import SendService
from .outbox.worker import OutboxWorker
from .pop3 import Pop3Service
from .pop3.session import Pop3Manager
from .secrets import SecretBox, derive_key, load_or_create_key
from .settings import Settings
from .store.accounts import AccountRepo
from .store.audit import AuditRepo
from .store.change_feed import ChangeFeedRepo
from .store.db import Store
from .store.idempotency import IdempotencyRepo
from .store.leases import LeaseRepo
from .store.oauth2 import OAuth2Repo
from .store.outbox import OutboxRepo
from .store.pop3 import Pop3SeenRepo
from .store.threads import ThreadRepo
from .store.tokens import TokenRepo
from .store.webhooks import WebhookRepo
from .sync.feed import ChangeFeed
from .sync.feed_recorder import FeedRecorder
from .sync.feed_states import FeedStates
from .sync.service import SyncService
from .threads.index import ThreadIndexer

log = logging.getLogger(__name__)


class BackgroundService(Protocol):
    """Long-running work (outbox worker, watchers, webhook dispatcher)."""

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass(frozen=True, slots=True)
class Services:
    """Every service, wired once by :func:`build_services` (nothing is set afterwards)."""

    settings: Settings
    store: Store
    box: SecretBox
    accounts: AccountRegistry
    tokens: TokenRepo
    events: EventBus
    webhooks: WebhookService
    pop3: Pop3Service
    sync: SyncService
    feed: ChangeFeed  # states and /changes (issue #14)
    mail: MailService
    outbox: SendService
    outbox_worker: OutboxWorker | None  # None with outbox_workers = 0
    audit: AuditLog
    oauth2_http: httpx.AsyncClient  # token endpoints (PinnedTransport)
    token_refresher: TokenRefresher
    oauth2: OAuth2Connect  # apps and the consent flow
    discovery: Autodiscovery  # the servers of an email address (GET /v1/autodiscover)
    drafts: DraftService  # drafts as a resource (the account's Drafts mailbox)
    forwarder: Forwarder  # forwards of a message, sent like any send
    search: SearchService  # GET /v1/search, across accounts
    background: tuple[BackgroundService, ...]


def build_services(settings: Settings, *, webhook_resolver: Resolver | None = None) -> Services:
    """Wire every service, in dependency order; nothing touches the network or the database
    yet (``running`` opens them)."""
    store = Store(settings.database_url, migrate=settings.migrate_on_start)
    key = load_or_create_key(
        settings.secret_key.get_secret_value() if settings.secret_key else None,
        settings.sqlite_path(),
    )
    box = SecretBox(key)
    name = instance_name(settings)  # this process, as the owner of leases and locks
    feed_repo = ChangeFeedRepo(store)
    feed_states = FeedStates(feed_repo, derive_key(key, "change-feed-state"))
    feed_recorder = FeedRecorder(feed_repo, feed_states, settings.change_log_entries)
    events = EventBus(
        store, settings.instance_id, settings.events_retention_days, state_of=feed_states.state_of
    )
    # OAuth2: token URLs are checked like webhook URLs (private addresses refused unless
    # allowed) and each request goes to the checked address.
    oauth2_policy = WebhookUrlPolicy(
        allow_private=settings.webhook_allow_private or settings.oauth2_allow_private_endpoints,
        own_host=settings.host,
        own_port=settings.port,
        resolver=webhook_resolver,
    )
    oauth2_http = httpx.AsyncClient(
        transport=PinnedTransport(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_keepalive=8
        ),
        follow_redirects=False,
        trust_env=False,
    )
    connect: OAuth2Connect | None = None  # built below: it needs the account registry

    async def reauth_required(account_id: str, oauth2: OAuth2Config) -> None:
        """The account.reauth_required event, with a new authorize URL when one can be made
        (app-only access, ``grant`` client_credentials, needs new client credentials)."""
        data: dict = {"authorize_url": None, "app": None, "grant": oauth2.grant}
        try:
            found = await connect.reauth_url(account_id, oauth2) if connect is not None else None
        except Exception:  # the event matters more than its link
            log.exception("oauth2: no authorize URL for account %s", account_id)
            found = None
        if found is not None:
            data["app"], data["authorize_url"] = found
        events.publish_soon(ACCOUNT_REAUTH_REQUIRED, account_id, data)

    token_refresher = TokenRefresher(
        store,
        AccountRepo(store, box),
        oauth2_http,
        url_policy=oauth2_policy,
        on_reauth=reauth_required,
    )
    accounts = AccountRegistry(
        AccountRepo(store, box),
        settings,
        {"imap": ImapPool, "smtp": SmtpPool, "pop3": Pop3Manager},
        on_state_change=state_change_publisher(events),
        tokens=token_refresher,
        locks=StoreLocks(LeaseRepo(store), name.owner),
    )
    connect = OAuth2Connect(
        OAuth2Repo(store, box),
        accounts,
        oauth2_http,
        oauth2_policy,
        on_issued=token_refresher.note_issued,
    )
    feed = ChangeFeed(feed_repo, accounts, feed_states, feed_recorder)
    threads = ThreadIndexer(ThreadRepo(store), by_subject=settings.threads_by_subject)
    mail = MailService(accounts, settings, feed=feed, threads=threads)
    audit = AuditLog(AuditRepo(store), retention_days=settings.audit_retention_days)
    webhook_repo = WebhookRepo(store, box)
    # One policy (and resolver) checks webhook URLs at creation and before every delivery.
    webhook_policy = WebhookUrlPolicy(
        allow_private=settings.webhook_allow_private,
        own_host=settings.host,
        own_port=settings.port,
        resolver=webhook_resolver,
    )
    pop3 = Pop3Service(accounts, Pop3SeenRepo(store), settings)
    sync = SyncService(
        accounts, events, store, settings, list_uidls=pop3.list_uidls, feed=feed_recorder, name=name
    )
    outbox, after, worker = _build_outbox(settings, store, accounts, events, mail)
    background: list[BackgroundService] = [
        audit,
        events,
        WebhookDispatcher(webhook_repo, events, settings, webhook_policy),
        sync,
        after,  # writes the events of sync sends
    ]
    if worker is not None:
        background.append(worker)
    return Services(
        settings=settings,
        store=store,
        box=box,
        accounts=accounts,
        tokens=TokenRepo(store, cache_seconds=settings.token_cache_seconds),
        events=events,
        webhooks=WebhookService(webhook_repo, settings, webhook_policy),
        pop3=pop3,
        sync=sync,
        feed=feed,
        mail=mail,
        outbox=outbox,
        outbox_worker=worker,
        audit=audit,
        oauth2_http=oauth2_http,
        token_refresher=token_refresher,
        oauth2=connect,
        discovery=Autodiscovery(settings),
        background=tuple(background),
        drafts=DraftService(
            drafts=DraftsMailbox(mail), mail=mail, outbox=outbox, settings=settings
        ),
        forwarder=Forwarder(mail=mail, outbox=outbox, settings=settings),
        search=SearchService(mail, accounts, settings),
    )


def _build_outbox(
    settings: Settings,
    store: Store,
    accounts: AccountRegistry,
    events: EventBus,
    mail: MailService,
) -> tuple[SendService, AfterSend, OutboxWorker | None]:
    """Sending, the outbox and its worker (a background service when outbox_workers > 0)."""
    idempotency = IdempotencyRepo(store)
    upstream = settings.connect_timeout + settings.command_timeout
    after = AfterSend(mail, events, timeout=upstream)
    repo = OutboxRepo(store)
    worker = None
    if settings.outbox_workers > 0:
        db_file = settings.sqlite_path()
        worker = OutboxWorker(
            settings=settings,
            repo=repo,
            accounts=accounts,
            events=events,
            after=after,
            idempotency=idempotency,
            journal=EndOfDataJournal(db_file.with_name(db_file.name + ".outbox-journal"))
            if db_file is not None
            else None,
        )
    outbox = SendService(
        settings=settings,
        store=store,
        accounts=accounts,
        repo=repo,
        after=after,
        mail=mail,
        guard=IdempotencyGuard(
            idempotency,
            ttl=settings.idempotency_ttl_seconds,
            wait=upstream + 5,
            abandon_after=3 * upstream + 60,
        ),
        wake=worker.wake if worker is not None else lambda: None,
    )
    return outbox, after, worker


async def warn_if_locked_out(services: Services) -> None:
    """Say at start, in the log, when no token can open ``/v1``: without GATEWAY_ADMIN_TOKEN
    and with no API token in the store, every request would be a 401 with no hint why."""
    if services.settings.admin_token is None and not await services.tokens.list():
        log.warning(
            "no GATEWAY_ADMIN_TOKEN is set and the store holds no API token: every /v1 request "
            "will be answered 401. Start the gateway with GATEWAY_ADMIN_TOKEN=<a long random "
            "string> and create the tokens of your apps with it (POST /v1/tokens)"
        )


@contextlib.asynccontextmanager
async def running(services: Services) -> AsyncIterator[Services]:
    """Open the store, start the accounts and every background service; undo it all on exit."""
    await services.store.open()
    try:
        await warn_if_locked_out(services)
        await services.accounts.start()
        stop = asyncio.Event()
        async with asyncio.TaskGroup() as tasks:
            for service in services.background:
                tasks.create_task(service.run(stop), name=type(service).__name__)
            try:
                yield services
            finally:
                stop.set()
        await services.accounts.stop()
    finally:
        await services.oauth2_http.aclose()
        await services.store.close()
