"""OAuth 2.0 for mailboxes (issue #13): access tokens that keep working (``tokens``)."""
