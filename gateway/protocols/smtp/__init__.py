"""The SMTP client: sessions, pipelining, replies and their classification."""
