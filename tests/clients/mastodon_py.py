"""A real Mastodon client library against a running Commonplace server.

Usage: python mastodon_py.py BASE_URL

Sets up a group and a thread through Commonplace's own JSON API, then drives Mastodon.py the
way an app does: registers an app, signs in with the authorization-code flow (the sign-in form
submitted as a browser would), reads timelines and a conversation, looks up a group, follows
it, replies, favourites, starts a thread by mentioning the group, searches and reads
notifications. Any failed call or wrong answer raises, and the script exits non-zero.
"""

import re
import sys
from html import unescape

import requests
from mastodon import Mastodon

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow"]


def main(base):
    http = requests.Session()

    def native(path, token=None, **body):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = http.post(f"{base}{path}", json=body, headers=headers)
        assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
        return r.json()

    steward = native("/api/v1/auth/register", username="alice", password="correct horse")["token"]
    native("/api/v1/auth/register", username="bob", password="correct horse")
    native("/api/v1/groups", steward, name="design", title="Service design")
    native("/api/v1/groups/design/threads", steward, title="Plain language in forms", body="What **works**?")

    # An app signs bob in.
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py check", scopes=SCOPES, redirect_uris=OOB, api_base_url=base
    )
    m = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                 version_check_mode="created")
    url = m.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    page = http.get(url)
    assert page.status_code == 200, page.text
    fields = dict((unescape(k), unescape(v)) for k, v in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update(username="bob", password="correct horse")
    shown = http.post(f"{base}/oauth/authorize", data=fields)
    assert shown.status_code == 200, shown.text
    code = re.search(r'<code id="code">([^<]+)</code>', shown.text).group(1)
    m.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)

    me = m.account_verify_credentials()
    assert me.username == "bob", me
    instance = m.instance()
    assert "Commonplace" in instance.version, instance.version
    assert m.timeline_public() is not None

    group = m.account_lookup("design")
    assert group.group is True, group
    relationship = m.account_follow(group.id)
    assert relationship.following, relationship

    home = m.timeline_home()
    thread = next(s for s in home if "Plain language in forms" in s.content)
    assert thread.account.username == "alice", thread.account
    reply = m.status_post("Short sentences work.", in_reply_to_id=thread.id)
    assert reply.in_reply_to_id == thread.id, reply
    favourited = m.status_favourite(thread.id)
    assert favourited.favourited and favourited.favourites_count == 1, favourited
    context = m.status_context(thread.id)
    assert [s.id for s in context.descendants] == [reply.id], context

    started = m.status_post("@design Accessible PDFs\nDo you export tagged PDFs?")
    assert "<strong>Accessible PDFs</strong>" in started.content, started.content
    home = m.timeline_home(limit=1)
    older = m.fetch_next(home)
    assert older and older[0].id != home[0].id, (home, older)

    found = m.search_v2("design", resolve=False)
    assert any(a.acct == "design" for a in found.accounts), found
    assert m.account_statuses(group.id)
    notifications = Mastodon(access_token=steward_token(base, http), api_base_url=base).notifications()
    kinds = sorted(n.type for n in notifications)
    assert kinds == ["favourite", "follow", "mention"], kinds

    m.status_unfavourite(thread.id)
    m.account_unfollow(group.id)
    print("Mastodon.py: every call answered as expected")


def steward_token(base, http):
    """Alice signs in through the password-less code flow too, with a second app."""
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py steward", scopes=SCOPES, redirect_uris=OOB, api_base_url=base
    )
    m = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    url = m.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    page = http.get(url)
    fields = dict((unescape(k), unescape(v)) for k, v in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update(username="alice", password="correct horse")
    code = re.search(r'<code id="code">([^<]+)</code>',
                     http.post(f"{base}/oauth/authorize", data=fields).text).group(1)
    return m.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
