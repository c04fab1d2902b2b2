"""Each client's examples, run as a user would (a Python process in the client's own
virtualenv, `node` on the compiled TypeScript) against a live gateway and real mail servers."""

from __future__ import annotations

from pathlib import Path

from tests.waiting import until

from .conftest import CLIENT_PYTHON, ROOT, LiveGateway


async def _check_quickstart(gw: LiveGateway, out: dict, client: str) -> None:
    """What the quickstart printed is what the gateway holds: one message, sent to the
    account itself, reported by a message.new event, listed in INBOX, read back."""
    assert out["sent"]["accepted"], out
    assert out["event"]["type"] == "message.new"
    assert out["listed"]["id"] == out["event"]["message"]
    subject = out["listed"]["subject"]
    assert subject.startswith(f"Hello from the {client} client ")
    assert out["read"] == {
        "subject": subject,
        "from": out["sent"]["accepted"][0],
        "text": "Sent, listed and read with mailgate.\n",
    }, out
    assert out["raw"]["subject_line"] is True and out["raw"]["bytes"] > 200
    held = await gw.admin.get(f"/v1/accounts/{gw.account}/messages/{out['listed']['id']}")
    assert held.status_code == 200
    assert held.json()["subject"] == subject
    assert held.json()["message_id"] == out["sent"]["message_id"]


async def test_python_quickstart(live_gateway: LiveGateway, client_tools: None) -> None:
    out = await live_gateway.run_json(CLIENT_PYTHON, ROOT / "clients/python/examples/quickstart.py")
    await _check_quickstart(live_gateway, out, "Python")


async def test_typescript_quickstart(live_gateway: LiveGateway, typescript_build: Path) -> None:
    out = await live_gateway.run_json("node", typescript_build / "examples/quickstart.js")
    await _check_quickstart(live_gateway, out, "TypeScript")


async def _check_raw(gw: LiveGateway, out: dict) -> None:
    """What the raw example printed is what the mail servers hold: the raw message was sent
    and arrives, the appended one is \\Seen with its attachment, the draft was built."""
    tag = out["tag"]
    assert out["sent_raw"]["accepted"], out
    assert out["appended"]["attachment_is_the_same"] is True
    assert out["draft"]["subject_line"] is True
    assert out["pop3"]["bytes"] > 0 and out["pop3"]["headers"] >= 3, out
    base = f"/v1/accounts/{gw.account}"
    appended = (await gw.admin.get(f"{base}/messages/{out['appended']['id']}")).json()
    assert appended["subject"] == f"Appended {tag}" and "\\Seen" in appended["flags"]
    assert [a["filename"] for a in appended["attachments"]] == ["data.bin"]
    draft = (await gw.admin.get(f"{base}/messages/{out['draft']['id']}")).json()
    assert draft["subject"] == f"Draft {tag}" and draft["text"].strip() == "Built by the gateway."
    pop3 = await gw.admin.get(f"{base}/pop3/messages/{out['pop3']['uidl']}/raw")
    assert len(pop3.content) == out["pop3"]["bytes"]

    async def raw_arrived() -> bool:
        page = (
            await gw.admin.get(f"{base}/mailboxes/INBOX/messages", params={"subject": f"Raw {tag}"})
        ).json()
        return [m["message_id"] for m in page["items"]] == [out["sent_raw"]["message_id"]]

    await until(raw_arrived, within=20, every=0.2, what="the raw message in INBOX")


async def test_python_raw_messages(live_gateway: LiveGateway, client_tools: None) -> None:
    out = await live_gateway.run_json(CLIENT_PYTHON, ROOT / "clients/python/examples/raw.py")
    await _check_raw(live_gateway, out)


async def test_typescript_raw_messages(live_gateway: LiveGateway, typescript_build: Path) -> None:
    out = await live_gateway.run_json("node", typescript_build / "examples/raw.js")
    await _check_raw(live_gateway, out)
