"""The service container: built by the app factory, started and stopped by its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from .accounts.imap_pool import ImapPool
from .accounts.pop3_session import Pop3Manager
from .accounts.registry import AccountRegistry
from .accounts.smtp_pool import SmtpPool
from .audit import AuditLog
from .events.account_state import state_change_publisher
from .events.bus import EventBus
from .events.dispatcher import WebhookDispatcher
from .events.pinned_transport import PinnedTransport
from .events.types import ACCOUNT_REAUTH_REQUIRED
from .events.url_policy import Resolver, WebhookUrlPolicy
from .events.webhooks import WebhookService
from .mail.service import MailService
from .oauth2.connect import OAuth2Connect
from .oauth2.tokens import TokenRefresher
from .outbox.after_send import AfterSend
from .outbox.idempotency import IdempotencyGuard
from .outbox.journal import EndOfDataJournal
from .outbox.service import SendService
from .outbox.worker import OutboxWorker
from .pop3 import Pop3Service
from .secrets import SecretBox, load_or_create_key
from .settings import Settings
from .store.accounts import AccountRepo
from .store.audit import AuditRepo
from .store.db import Store
from .store.idempotency import IdempotencyRepo
from .store.oauth2 import OAuth2Repo
from .store.outbox import OutboxRepo
from .store.pop3 import Pop3SeenRepo
from .store.tokens import TokenRepo
from .store.webhooks import WebhookRepo
from .sync.service import SyncService

log = logging.getLogger(__name__)


class BackgroundService(Protocol):
    """Long-running work (outbox worker, watchers, webhook dispatcher)."""

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class Services:
    settings: Settings
    store: Store
    box: SecretBox
    accounts: AccountRegistry
    tokens: TokenRepo
    events: EventBus
    background: list[BackgroundService] = field(default_factory=list)
    webhooks: WebhookService | None = None
    pop3: Pop3Service | None = None
    sync: SyncService | None = None
    mail: MailService | None = None
    outbox: SendService | None = None
    outbox_worker: OutboxWorker | None = None
    audit: AuditLog | None = None
    oauth2_http: httpx.AsyncClient | None = None  # token endpoints (PinnedTransport)
    token_refresher: TokenRefresher | None = None
    oauth2: OAuth2Connect | None = None  # apps and the consent flow


def build_services(settings: Settings, *, webhook_resolver: Resolver | None = None) -> Services:
    """Wire every service; nothing touches the network or the disk's database yet."""
    store = Store(settings.database_url, migrate=settings.migrate_on_start)
    box = SecretBox(
        load_or_create_key(
            settings.secret_key.get_secret_value() if settings.secret_key else None,
            settings.sqlite_path(),
        )
    )
    accounts = AccountRegistry(
        AccountRepo(store, box),
        settings,
        {"imap": ImapPool, "smtp": SmtpPool, "pop3": Pop3Manager},
    )
    services = Services(
        settings=settings,
        store=store,
        box=box,
        accounts=accounts,
        tokens=TokenRepo(store, cache_seconds=settings.token_cache_seconds),
        events=EventBus(store, settings.instance_id, settings.events_retention_days),
    )
    services.mail = MailService(accounts, settings)
    _build_oauth2(services, webhook_resolver)
    services.audit = AuditLog(AuditRepo(store), retention_days=settings.audit_retention_days)
    services.background.append(services.audit)
    webhook_repo = WebhookRepo(store, box)
    # One policy (and resolver) checks webhook URLs at creation and before every delivery.
    webhook_policy = WebhookUrlPolicy(allow_private=settings.webhook_allow_private,
                                      own_host=settings.host, own_port=settings.port,
                                      resolver=webhook_resolver)
    services.webhooks = WebhookService(webhook_repo, settings, webhook_policy)
    services.pop3 = Pop3Service(accounts, Pop3SeenRepo(store), settings)
    services.background += [services.events,
                            WebhookDispatcher(webhook_repo, services.events, settings,
                                              webhook_policy)]
    accounts.on_state_change = state_change_publisher(services.events)
    services.sync = SyncService(accounts, services.events, store, settings)
    services.sync.list_uidls = services.pop3.list_uidls  # pop3.new for POP3-only accounts
    services.background.append(services.sync)
    _build_outbox(services)
    return services


def _build_oauth2(services: Services, resolver: Resolver | None) -> None:
    """Token refresh for accounts' OAuth2 blocks: token URLs are checked like webhook URLs
    (private addresses refused unless allowed) and each request goes to the checked address."""
    settings = services.settings
    policy = WebhookUrlPolicy(
        allow_private=settings.webhook_allow_private or settings.oauth2_allow_private_endpoints,
        own_host=settings.host, own_port=settings.port, resolver=resolver)
    services.oauth2_http = httpx.AsyncClient(
        transport=PinnedTransport(ssl_context=httpx.create_ssl_context(trust_env=False),
                                  max_keepalive=8),
        follow_redirects=False, trust_env=False)
    services.token_refresher = TokenRefresher(
        services.store, AccountRepo(services.store, services.box), services.oauth2_http,
        url_policy=policy)
    services.accounts.tokens = services.token_refresher
    services.oauth2 = connect = OAuth2Connect(
        OAuth2Repo(services.store, services.box), services.accounts, services.oauth2_http, policy)
    events = services.events

    async def reauth_required(account_id: str, client_id: str | None,
                              token_url: str | None) -> None:
        data: dict = {"authorize_url": None, "app": None}
        try:
            found = await connect.reauth_url(account_id, client_id, token_url)
        except Exception:  # the event matters more than its link
            log.exception("oauth2: no authorize URL for account %s", account_id)
            found = None
        if found is not None:
            data["app"], data["authorize_url"] = found
        events.publish_soon(ACCOUNT_REAUTH_REQUIRED, account_id, data)

    services.token_refresher.on_reauth = reauth_required
    connect.on_issued = services.token_refresher.note_issued


def _build_outbox(services: Services) -> None:
    """Sending, the outbox and its worker (a background service when outbox_workers > 0)."""
    settings = services.settings
    idempotency = IdempotencyRepo(services.store)
    upstream = settings.connect_timeout + settings.command_timeout
    after = AfterSend(lambda: services.mail, services.events, timeout=upstream)
    services.outbox = SendService(
        settings=settings, store=services.store, accounts=services.accounts,
        repo=OutboxRepo(services.store), after=after, mail=lambda: services.mail,
        guard=IdempotencyGuard(idempotency, ttl=settings.idempotency_ttl_seconds,
                               wait=upstream + 5, abandon_after=3 * upstream + 60),
    )
    services.background.append(after)  # writes the events of sync sends
    if settings.outbox_workers > 0:
        db_file = settings.sqlite_path()
        services.outbox_worker = OutboxWorker(
            settings=settings, repo=services.outbox.repo, accounts=services.accounts,
            events=services.events, after=after, idempotency=idempotency,
            journal=EndOfDataJournal(db_file.with_name(db_file.name + ".outbox-journal"))
            if db_file is not None else None)
        services.outbox.on_enqueue(services.outbox_worker.wake)
        services.background.append(services.outbox_worker)


@contextlib.asynccontextmanager
async def running(services: Services) -> AsyncIterator[Services]:
    """Open the store, start the accounts and every background service; undo it all on exit."""
    await services.store.open()
    try:
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
        if services.oauth2_http is not None:
            await services.oauth2_http.aclose()
        await services.store.close()
