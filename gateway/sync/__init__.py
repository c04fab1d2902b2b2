"""Watchers: IMAP IDLE and polls, POP3 polls; change detection that misses nothing."""
