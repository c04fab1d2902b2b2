"""Accounts: their configuration and the registry owning their connections."""
