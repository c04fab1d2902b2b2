"""Wire clients (IMAP, SMTP, POP3), MIME, SASL and TLS: no store, no HTTP."""
