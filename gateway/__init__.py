"""mailgate: a REST/HTTP gateway to SMTP, IMAP and POP3 mail servers."""

__version__ = "0.1.0"
