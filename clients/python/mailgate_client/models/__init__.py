"""Contains all the data models used in inputs/outputs"""

from .account_list import AccountList
from .account_out import AccountOut
from .account_out_source import AccountOutSource
from .account_spec import AccountSpec
from .account_status import AccountStatus
from .account_update import AccountUpdate
from .account_verify import AccountVerify
from .address_in import AddressIn
from .address_out import AddressOut
from .app_only_connect import AppOnlyConnect
from .append_message_json_draft_in import AppendMessageJsonDraftIn
from .append_message_json_draft_in_draft_attachment import AppendMessageJsonDraftInDraftAttachment
from .append_message_json_draft_in_headers import AppendMessageJsonDraftInHeaders
from .attachment_in import AttachmentIn
from .attachment_out import AttachmentOut
from .audit_entry_out import AuditEntryOut
from .audit_list import AuditList
from .authorize_request import AuthorizeRequest
from .authorize_response import AuthorizeResponse
from .batch_item import BatchItem
from .batch_request import BatchRequest
from .batch_request_action import BatchRequestAction
from .batch_result import BatchResult
from .bounce_out import BounceOut
from .callback_result import CallbackResult
from .changes_out import ChangesOut
from .conn_state import ConnState
from .delivery_attempt import DeliveryAttempt
from .delivery_list import DeliveryList
from .delivery_out import DeliveryOut
from .discovery_out import DiscoveryOut
from .draft_out import DraftOut
from .draft_request import DraftRequest
from .draft_request_headers import DraftRequestHeaders
from .draft_saved import DraftSaved
from .draft_send_request import DraftSendRequest
from .draft_send_request_mode import DraftSendRequestMode
from .flag_changes import FlagChanges
from .flags_out import FlagsOut
from .flags_update import FlagsUpdate
from .forward_request import ForwardRequest
from .forward_request_headers import ForwardRequestHeaders
from .forward_request_mode import ForwardRequestMode
from .generic_servers import GenericServers
from .get_thread_order import GetThreadOrder
from .gmail_info import GmailInfo
from .header_out import HeaderOut
from .health import Health
from .label_changes import LabelChanges
from .labels_out import LabelsOut
from .list_outbox_status_type_0 import ListOutboxStatusType0
from .mail_server_preset import MailServerPreset
from .mailbox_changes import MailboxChanges
from .mailbox_create import MailboxCreate
from .mailbox_list import MailboxList
from .mailbox_out import MailboxOut
from .mailbox_rename import MailboxRename
from .mailbox_target import MailboxTarget
from .message_id_out import MessageIdOut
from .message_list import MessageList
from .message_out import MessageOut
from .message_summary import MessageSummary
from .not_searched import NotSearched
from .o_auth_2_app_create import OAuth2AppCreate
from .o_auth_2_app_create_provider import OAuth2AppCreateProvider
from .o_auth_2_app_list import OAuth2AppList
from .o_auth_2_app_out import OAuth2AppOut
from .o_auth_2_config import OAuth2Config
from .o_auth_2_config_grant import OAuth2ConfigGrant
from .o_auth_2_config_mechanism import OAuth2ConfigMechanism
from .outbox_attempt import OutboxAttempt
from .outbox_item import OutboxItem
from .outbox_item_status import OutboxItemStatus
from .outbox_list import OutboxList
from .pop_3_attachment_out import Pop3AttachmentOut
from .pop_3_message_list import Pop3MessageList
from .pop_3_message_out import Pop3MessageOut
from .pop_3_parsed_item import Pop3ParsedItem
from .pop_3_raw_item import Pop3RawItem
from .pop_3_retrieve_error import Pop3RetrieveError
from .pop_3_retrieve_out import Pop3RetrieveOut
from .pop_3_retrieve_request import Pop3RetrieveRequest
from .pop_3_retrieve_request_format import Pop3RetrieveRequestFormat
from .pop_3_stat import Pop3Stat
from .problem import Problem
from .problem_errors_type_0_item import ProblemErrorsType0Item
from .proposal_out import ProposalOut
from .proposal_out_oauth_2_provider_type_0 import ProposalOutOauth2ProviderType0
from .proposal_out_source import ProposalOutSource
from .proposed_account import ProposedAccount
from .proposed_block import ProposedBlock
from .proposed_block_security import ProposedBlockSecurity
from .proposed_server import ProposedServer
from .proposed_server_auth import ProposedServerAuth
from .proposed_server_security import ProposedServerSecurity
from .protocol_status_out import ProtocolStatusOut
from .rejected_recipient import RejectedRecipient
from .search_hit import SearchHit
from .search_result import SearchResult
from .security import Security
from .send_queued import SendQueued
from .send_raw_mode import SendRawMode
from .send_request import SendRequest
from .send_request_headers import SendRequestHeaders
from .send_request_mode import SendRequestMode
from .send_result import SendResult
from .server_config import ServerConfig
from .server_out import ServerOut
from .server_out_oauth_2_grant_type_0 import ServerOutOauth2GrantType0
from .source_out import SourceOut
from .source_out_source import SourceOutSource
from .stream_events_response_200 import StreamEventsResponse200
from .thread_out import ThreadOut
from .token_create import TokenCreate
from .token_create_scopes_item import TokenCreateScopesItem
from .token_created import TokenCreated
from .token_created_scopes_item import TokenCreatedScopesItem
from .token_list import TokenList
from .token_out import TokenOut
from .token_out_scopes_item import TokenOutScopesItem
from .verify_result import VerifyResult
from .webhook_create import WebhookCreate
from .webhook_created import WebhookCreated
from .webhook_list import WebhookList
from .webhook_out import WebhookOut

__all__ = (
    "AccountList",
    "AccountOut",
    "AccountOutSource",
    "AccountSpec",
    "AccountStatus",
    "AccountUpdate",
    "AccountVerify",
    "AddressIn",
    "AddressOut",
    "AppendMessageJsonDraftIn",
    "AppendMessageJsonDraftInDraftAttachment",
    "AppendMessageJsonDraftInHeaders",
    "AppOnlyConnect",
    "AttachmentIn",
    "AttachmentOut",
    "AuditEntryOut",
    "AuditList",
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BatchItem",
    "BatchRequest",
    "BatchRequestAction",
    "BatchResult",
    "BounceOut",
    "CallbackResult",
    "ChangesOut",
    "ConnState",
    "DeliveryAttempt",
    "DeliveryList",
    "DeliveryOut",
    "DiscoveryOut",
    "DraftOut",
    "DraftRequest",
    "DraftRequestHeaders",
    "DraftSaved",
    "DraftSendRequest",
    "DraftSendRequestMode",
    "FlagChanges",
    "FlagsOut",
    "FlagsUpdate",
    "ForwardRequest",
    "ForwardRequestHeaders",
    "ForwardRequestMode",
    "GenericServers",
    "GetThreadOrder",
    "GmailInfo",
    "HeaderOut",
    "Health",
    "LabelChanges",
    "LabelsOut",
    "ListOutboxStatusType0",
    "MailboxChanges",
    "MailboxCreate",
    "MailboxList",
    "MailboxOut",
    "MailboxRename",
    "MailboxTarget",
    "MailServerPreset",
    "MessageIdOut",
    "MessageList",
    "MessageOut",
    "MessageSummary",
    "NotSearched",
    "OAuth2AppCreate",
    "OAuth2AppCreateProvider",
    "OAuth2AppList",
    "OAuth2AppOut",
    "OAuth2Config",
    "OAuth2ConfigGrant",
    "OAuth2ConfigMechanism",
    "OutboxAttempt",
    "OutboxItem",
    "OutboxItemStatus",
    "OutboxList",
    "Pop3AttachmentOut",
    "Pop3MessageList",
    "Pop3MessageOut",
    "Pop3ParsedItem",
    "Pop3RawItem",
    "Pop3RetrieveError",
    "Pop3RetrieveOut",
    "Pop3RetrieveRequest",
    "Pop3RetrieveRequestFormat",
    "Pop3Stat",
    "Problem",
    "ProblemErrorsType0Item",
    "ProposalOut",
    "ProposalOutOauth2ProviderType0",
    "ProposalOutSource",
    "ProposedAccount",
    "ProposedBlock",
    "ProposedBlockSecurity",
    "ProposedServer",
    "ProposedServerAuth",
    "ProposedServerSecurity",
    "ProtocolStatusOut",
    "RejectedRecipient",
    "SearchHit",
    "SearchResult",
    "Security",
    "SendQueued",
    "SendRawMode",
    "SendRequest",
    "SendRequestHeaders",
    "SendRequestMode",
    "SendResult",
    "ServerConfig",
    "ServerOut",
    "ServerOutOauth2GrantType0",
    "SourceOut",
    "SourceOutSource",
    "StreamEventsResponse200",
    "ThreadOut",
    "TokenCreate",
    "TokenCreated",
    "TokenCreatedScopesItem",
    "TokenCreateScopesItem",
    "TokenList",
    "TokenOut",
    "TokenOutScopesItem",
    "VerifyResult",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookList",
    "WebhookOut",
)
