"""Schemathesis hooks for the contract run (loaded through ``SCHEMATHESIS_HOOKS``)."""

import schemathesis

# Raw messages (send/raw, append) go on the wire as the bytes they are.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
