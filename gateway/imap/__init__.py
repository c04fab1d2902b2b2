"""The IMAP service: mailboxes, listings, messages and bodies over pooled connections."""
