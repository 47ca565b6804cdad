"""A federated join through nginx: a member of the plain instance joins a group of the instance
behind nginx, whose inbox takes the signed Follow through the proxy; the Accept comes back.

Usage: python3 federate.py PROXIED_API BETA_API ALPHA_DOMAIN GROUP
  PROXIED_API  http://127.0.0.1:PORT of nginx in front of alpha
  BETA_API     http://127.0.0.1:PORT of beta, reached directly
  ALPHA_DOMAIN alpha's configured domain (the name beta resolves the group under)
  GROUP        name of the group to create on alpha and join from beta
Raises (exit status 1) on any unexpected answer, or if the membership is not accepted in time.
"""

import json
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}", data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            text = res.read().decode()
            return res.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def token_for(base, name):
    status, body = call(base, "POST", "/api/v1/auth/register",
                        body={"username": name, "password": "correct horse"})
    if status == 201:
        return body["token"]
    status, body = call(base, "POST", "/api/v1/auth/login",
                        body={"username": name, "password": "correct horse"})
    assert status == 200, f"sign in {name}: {status} {body}"
    return body["token"]


def main(alpha, beta, alpha_domain, group):
    alice = token_for(alpha, "alice")
    status, body = call(alpha, "POST", "/api/v1/groups", alice,
                        {"name": group, "title": f"The {group} group"})
    assert status == 201, f"create group through the proxy: {status} {body}"
    bob = token_for(beta, "bob")
    handle = f"{group}@{alpha_domain}"
    status, found = call(beta, "GET", f"/api/v1/resolve?q=!{handle}", bob)
    assert status == 200 and found["type"] == "group", f"resolve {handle}: {status} {found}"
    status, joined = call(beta, "POST", f"/api/v1/groups/{handle}/join", bob, {})
    assert status == 200, f"join: {status} {joined}"
    for _ in range(200):
        status, shown = call(beta, "GET", f"/api/v1/groups/{handle}", bob)
        if status == 200 and shown.get("membership") == "accepted":
            break
        time.sleep(0.1)
    else:
        sys.exit(f"the join of {handle} stayed {shown.get('membership')!r}: the Follow did not "
                 "get through the proxy, or its Accept did not come back")
    status, members = call(alpha, "GET", f"/api/v1/groups/{group}/members")
    assert status == 200 and "bob" in json.dumps(members), f"members: {status} {members}"
    print(f"ok: bob@beta joined {handle} through nginx")


if __name__ == "__main__":
    main(*sys.argv[1:5])
