"""POP3 bulk retrieval: the service behind ``/v1/accounts/{account}/pop3``."""

from .retrieval import Retrieval, RetrievalOutcome, RetrievedItem
from .service import Pop3Entry, Pop3Service

__all__ = ["Pop3Entry", "Pop3Service", "Retrieval", "RetrievalOutcome", "RetrievedItem"]
