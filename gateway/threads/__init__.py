"""Threads: which conversation each message belongs to, for servers that do not say."""
