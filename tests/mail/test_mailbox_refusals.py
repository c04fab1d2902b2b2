"""Mailbox refusals mapped by meaning on every server, with or without RFC 5530 codes.

Dovecot answers ``NO [ALREADYEXISTS]`` / ``NO [NONEXISTENT]``; Cyrus answers ``NO Mailbox
already exists`` / ``NO Mailbox does not exist`` with no code at all. Both must give the
same status and ``code``, and a created mailbox is answered as the server stored it.
"""

from __future__ import annotations

import httpx

from gateway.imap.ids import encode_mailbox_id
from tests.conftest import account_spec
from tests.mailstack import MailStack


async def _account(client: httpx.AsyncClient, server: MailStack) -> str:
    user = server.new_user("mbx")
    resp = await client.post("/v1/accounts", json=account_spec(server, user, protocols=("imap",)))
    assert resp.status_code == 201, resp.text
    return f"/v1/accounts/{resp.json()['id']}/mailboxes"


async def test_creating_an_existing_mailbox_is_409(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    base = await _account(client, imap_server)
    assert (await client.post(base, json={"path": "Projects"})).status_code == 201
    again = await client.post(base, json={"path": "Projects"})
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_exists"


async def test_deleting_or_renaming_a_missing_mailbox_is_404(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    base = await _account(client, imap_server)
    missing = encode_mailbox_id("Nowhere")
    gone = await client.delete(f"{base}/{missing}")
    assert gone.status_code == 404, gone.text
    assert gone.json()["code"] == "mailbox_not_found"
    moved = await client.patch(f"{base}/{missing}", json={"path": "Elsewhere"})
    assert moved.status_code == 404, moved.text
    assert moved.json()["code"] == "mailbox_not_found"


async def test_renaming_onto_an_existing_mailbox_is_409(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    base = await _account(client, imap_server)
    for path in ("One", "Two"):
        assert (await client.post(base, json={"path": path})).status_code == 201
    clash = await client.patch(f"{base}/{encode_mailbox_id('One')}", json={"path": "Two"})
    assert clash.status_code == 409, clash.text
    assert clash.json()["code"] == "already_exists"


async def test_created_path_is_answered_as_the_server_stored_it(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    """Cyrus stores ``bad/`` as ``bad`` and ``/lead`` as ``lead``; Dovecot stores ``bad/`` as
    ``bad`` and refuses a leading separator (422)."""
    base = await _account(client, imap_server)
    cases = [("bad/", "bad"), ("/lead", "lead")]
    if imap_server.server == "dovecot":
        refused = await client.post(base, json={"path": "/lead"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_mailbox_name"
        cases = cases[:1]
    for asked, stored in cases:
        resp = await client.post(base, json={"path": asked})
        assert resp.status_code == 201, resp.text
        assert resp.json()["path"] == stored
        listed = {m["path"] for m in (await client.get(base)).json()["items"]}
        assert stored in listed
        # The id answered is the one that works.
        assert (await client.get(f"{base}/{resp.json()['id']}/messages")).status_code == 200


async def test_deleting_a_mailbox_with_children_is_409_or_done(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    """Cyrus refuses (``NO [HASCHILDREN]``-like) -> 409 mailbox_has_children; Dovecot deletes
    the parent and keeps the child. Either way never a 502, and the child survives."""
    base = await _account(client, imap_server)
    for path in ("Parent", "Parent/Child"):
        assert (await client.post(base, json={"path": path})).status_code == 201
    resp = await client.delete(f"{base}/{encode_mailbox_id('Parent')}")
    listed = {m["path"] for m in (await client.get(base)).json()["items"]}
    if imap_server.server == "cyrus":
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mailbox_has_children"
    else:
        assert resp.status_code == 204, resp.text
    assert "Parent/Child" in listed


async def test_an_invalid_mailbox_name_is_422_without_echo(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    base = await _account(client, imap_server)
    name = "x" * 1000  # beyond both servers' name limits
    resp = await client.post(base, json={"path": name})
    assert resp.status_code == 422, resp.text
    assert name not in resp.text


async def test_renaming_to_an_overlong_name_is_422_and_keeps_the_mailbox(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    """Dovecot refuses the RENAME; Cyrus answers OK and stores the name cut to ~457
    characters, which the gateway undoes. Either way 422 and the mailbox keeps its name."""
    base = await _account(client, imap_server)
    assert (await client.post(base, json={"path": "Keep"})).status_code == 201
    resp = await client.patch(f"{base}/{encode_mailbox_id('Keep')}", json={"path": "y" * 900})
    assert resp.status_code == 422, resp.text[:300]
    assert resp.json()["code"] == "invalid_mailbox_name"
    listed = {m["path"] for m in (await client.get(base)).json()["items"]}
    assert "Keep" in listed
    assert not [p for p in listed if p.startswith("yyy")]
