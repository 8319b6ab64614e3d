"""Checks docs/openapi.yaml against a running electord cluster (started by openapi.sh).

usage: check_openapi.py SPEC SERVER_SOURCE ELECTORCTL CLUSTER_DIR BASE_PORT

The cluster has three boxes, strategy priority (box1 leads), control ports BASE+10001..10003.
Every route and method of the description is called; every answer's status must be one the
description lists for that route, and its headers and body must match that status's schema.
The other way round: the paths the server's dispatch names (SERVER_SOURCE) are exactly the
description's, unknown paths are 404, and methods the description does not list are 405 with an
Allow header naming those it does. Exits 1 on the first disagreement.
"""

import copy
import http.client
import json
import re
import subprocess
import sys
import time
import urllib.parse

import jsonschema
import yaml

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


class Mismatch(Exception):
    pass


def fail(msg):
    raise Mismatch(msg)


class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.resolver = jsonschema.RefResolver.from_schema(doc)

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def errors(self, schema, value):
        v = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        return [e.message for e in v.iter_errors(value)]

    def operation(self, method, path):
        m = "get" if method == "HEAD" else method.lower()
        op = self.doc["paths"].get(path, {}).get(m)
        if op is None:
            fail(f"{method} {path} is not in the description")
        return op

    def methods(self, path):
        return sorted(m.upper() for m in self.doc["paths"][path] if m.upper() in METHODS)


def check_document(spec):
    """The description's structure (Debian has no OpenAPI validator): version, info, paths,
    operations, responses, every $ref resolving, every schema a valid JSON Schema 2020-12."""
    d = spec.doc
    if not str(d.get("openapi", "")).startswith("3.1."):
        fail("openapi is not 3.1.x")
    for key in ("title", "version"):
        if not isinstance(d.get("info", {}).get(key), str):
            fail(f"info.{key} missing")
    schemes = d.get("components", {}).get("securitySchemes", {})
    for req in d.get("security", []):
        for name in req:
            if name not in schemes:
                fail(f"security names an unknown scheme {name}")
    op_ids = set()
    for path, item in d["paths"].items():
        if not path.startswith("/"):
            fail(f"path {path} does not start with /")
        for method, op in item.items():
            if method.upper() not in METHODS:
                fail(f"{path}: unknown key {method}")
            if op.get("operationId") in op_ids:
                fail(f"duplicate operationId {op.get('operationId')}")
            op_ids.add(op.get("operationId"))
            if not op.get("responses"):
                fail(f"{method} {path} has no responses")
            for code, resp in op["responses"].items():
                if not re.fullmatch(r"[1-5][0-9][0-9]", code):
                    fail(f"{method} {path}: bad status {code}")
                resp = spec.deref(resp)
                if not isinstance(resp.get("description"), str):
                    fail(f"{method} {path} {code}: no description")
                for ctype, media in resp.get("content", {}).items():
                    if "schema" not in media:
                        fail(f"{method} {path} {code} {ctype}: no schema")
            for p in op.get("parameters", []):
                p = spec.deref(p)
                if p.get("in") not in ("query", "header", "path", "cookie") or "schema" not in p:
                    fail(f"{method} {path}: bad parameter {p}")

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    spec.deref(node)
                except jsonschema.RefResolutionError as e:
                    fail(f"{where}: {e}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(d, "#")
    for name, schema in d["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            fail(f"components/schemas/{name} is not a valid schema: {e.message}")


class Checker:
    def __init__(self, spec, base):
        self.spec = spec
        self.base = base
        self.seen = set()  # (method, path, status)
        self.samples = {}  # (path, status) -> a body

    def addr(self, box):
        return ("127.0.0.1", self.base + 10000 + box)

    def request(self, box, method, path, query="", headers=None, timeout=10):
        conn = http.client.HTTPConnection(*self.addr(box), timeout=timeout)
        try:
            conn.request(method, path + ("?" + query if query else ""), headers=headers or {})
            r = conn.getresponse()
            body = r.read()
            return r.status, r, body
        finally:
            conn.close()

    def check_answer(self, method, path, status, resp, body):
        op = self.spec.operation(method, path)
        answer = op["responses"].get(str(status))
        if answer is None:
            fail(f"{method} {path}: status {status} is not in the description: {body[:300]!r}")
        answer = self.spec.deref(answer)
        for name, h in answer.get("headers", {}).items():
            h = self.spec.deref(h)
            value = resp.getheader(name)
            if value is None:
                fail(f"{method} {path} {status}: no {name} header")
            errs = self.spec.errors(h["schema"], value)
            if errs:
                fail(f"{method} {path} {status}: header {name}: {errs}")
        ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip()
        media = answer.get("content", {}).get(ctype)
        if media is None:
            fail(f"{method} {path} {status}: content type {ctype!r} is not in the description")
        self.seen.add((method, path, status))
        if method == "HEAD":
            if body:
                fail(f"HEAD {path} sent a body")
            return None
        value = json.loads(body) if ctype == "application/json" else body.decode()
        errs = self.spec.errors(media["schema"], value)
        if errs:
            fail(f"{method} {path} {status}: body does not match the schema: "
                 f"{[e[:300] for e in errs]}: {str(value)[:500]}")
        self.samples[(path, status)] = value
        return value

    def check_query(self, method, path, query, status):
        """Every parameter sent is described; on a 2xx answer its value matches its schema."""
        described = self.spec.operation(method, path).get("parameters", [])
        params = {p["name"]: p for p in map(self.spec.deref, described) if p["in"] == "query"}
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if name not in params:
                fail(f"{method} {path}: query parameter {name} is not described")
            schema = params[name]["schema"]
            if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value):
                value = int(value)
            if 200 <= status < 300 and self.spec.errors(schema, value):
                fail(f"{method} {path}: {name}={value} was answered {status} but does not match "
                     f"{schema}")

    def call(self, box, method, path, query="", expect=None, headers=None):
        status, resp, body = self.request(box, method, path, query, headers)
        self.check_query(method, path, query, status)
        value = self.check_answer(method, path, status, resp, body)
        if expect is not None and status != expect:
            fail(f"{method} {path}?{query} on box{box}: {status}, expected {expect}: {body!r}")
        return value

    def until(self, what, fn, limit=30.0):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            out = fn()
            if out:
                return out
            time.sleep(0.05)
        fail(f"not within {limit} s: {what}")


def open_stream(ch, box, last_id=None):
    """Opens GET /v1/events; returns (connection, response) after checking its headers."""
    conn = http.client.HTTPConnection(*ch.addr(box), timeout=10)
    headers = {} if last_id is None else {"Last-Event-ID": last_id}
    conn.request("GET", "/v1/events", headers=headers)
    r = conn.getresponse()
    if r.status != 200:
        body = r.read()
        ch.check_answer("GET", "/v1/events", r.status, r, body)
        conn.close()
        return None, r
    ch.check_answer("GET", "/v1/events", 200, r, b"")
    return conn, r


def read_event(ch, r):
    """The next event of the stream (keep-alives skipped), its data checked against the
    description: (id, name, data)."""
    answer = ch.spec.operation("GET", "/v1/events")["responses"]["200"]
    media = answer["content"]["text/event-stream"]
    ev = {}
    while True:
        line = r.readline()
        if not line:
            fail("the event stream ended")
        line = line.decode().rstrip("\r\n")
        if line == "":
            if "data" in ev:
                break
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        ev[key] = value[1:] if value.startswith(" ") else value
    for key in ("id", "event"):
        if key not in ev:
            fail(f"an event without {key}: {ev}")
    if not re.fullmatch(media["x-event-id-pattern"], ev["id"]):
        fail(f"event id {ev['id']} does not match {media['x-event-id-pattern']}")
    data = json.loads(ev["data"])
    schemas = media["x-event-data"]
    schema = schemas.get(ev["event"], schemas["*"])
    errs = ch.spec.errors(schema, data)
    if errs:
        fail(f"event {ev['event']}: data does not match the schema: {errs}: {data}")
    if data.get("event") != ev["event"]:
        fail(f"event {ev['event']} carries data of {data.get('event')}")
    return ev["id"], ev["event"], data


def check_paths(ch, source):
    """The server's dispatch names exactly the description's paths; others are 404; methods
    not described are 405 with Allow naming the described ones."""
    with open(source) as f:
        served = set(re.findall(r'path == "([^"]+)"', f.read()))
    described = set(ch.spec.doc["paths"])
    if served != described:
        fail(f"served but not described: {sorted(served - described)}; "
             f"described but not served: {sorted(described - served)}")
    error_schema = ch.spec.doc["components"]["schemas"]["Error"]
    for path in ("/", "/v1", "/v1/", "/v1/leader/x", "/v2/leader", "/status", "/v1/nope"):
        for method in ("GET", "POST"):
            status, _, body = ch.request(1, method, path)
            if status != 404 or ch.spec.errors(error_schema, json.loads(body)):
                fail(f"{method} {path}: {status} {body!r}, expected 404 with an error")
    for path in sorted(described):
        allowed = ch.spec.methods(path)
        for method in METHODS:
            if method in allowed or (method == "HEAD" and "GET" in allowed):
                continue
            status, r, body = ch.request(1, method, path)
            bad = method != "HEAD" and ch.spec.errors(error_schema, json.loads(body))
            if status != 405 or bad:
                fail(f"{method} {path}: {status} {body!r}, expected 405 with an error")
            if r.getheader("Allow") != ", ".join(allowed):
                fail(f"{method} {path}: Allow {r.getheader('Allow')!r}, expected {allowed}")
        if "GET" in allowed and path != "/v1/events":
            get = ch.request(1, "GET", path)[0]
            status, r, body = ch.request(1, "HEAD", path)
            ch.check_answer("HEAD", path, status, r, body)
            if status != get:
                fail(f"HEAD {path}: {status}, GET {get}")


def check_events(ch):
    conn, r = open_stream(ch, 2)
    first_id, name, state = read_event(ch, r)
    if name != "state":
        fail(f"the first event is {name}, not state")
    # An event while the stream is open: clearing the leader changes box2's view.
    ch.call(1, "POST", "/v1/clear-leader", expect=200)
    names = []
    last = first_id
    while "leader_changed" not in names:
        last, name, _ = read_event(ch, r)
        names.append(name)
    conn.close()
    # Resumed: the events after `first_id`, no state.
    conn, r = open_stream(ch, 2, first_id)
    _, name, _ = read_event(ch, r)
    if name == "state" or name == "reset":
        fail(f"a resumed stream starts with {name}")
    conn.close()
    # An unknown id: reset, then the state.
    conn, r = open_stream(ch, 2, "0badc0de-17")
    _, name, data = read_event(ch, r)
    if name != "reset" or data["last_event_id"] != "0badc0de-17":
        fail(f"an unknown id got {name} {data}, not reset")
    if read_event(ch, r)[1] != "state":
        fail("no state after reset")
    conn.close()
    # HEAD: the headers alone.
    status, resp, body = ch.request(2, "HEAD", "/v1/events")
    ch.check_answer("HEAD", "/v1/events", status, resp, body)
    # More than 8 streams: 503.
    streams = []
    try:
        for _ in range(8):
            c, rr = open_stream(ch, 3)
            if c is None:
                fail(f"stream {len(streams) + 1} of 8 refused: {rr.status}")
            read_event(ch, rr)
            streams.append(c)
        c, rr = open_stream(ch, 3)
        if c is not None or rr.status != 503:
            fail("a ninth event stream was not refused with 503")
    finally:
        for c in streams:
            c.close()
    return last


def leader_term(ch, box):
    v = ch.call(box, "GET", "/v1/leader", expect=200)
    return v["term"], v


def main():
    spec_path, source, ctl, cluster_dir, base = sys.argv[1:6]
    with open(spec_path) as f:
        spec = Spec(yaml.safe_load(f))
    check_document(spec)
    ch = Checker(spec, int(base))

    check_paths(ch, source)

    ch.call(1, "GET", "/healthz", expect=200)
    ch.call(1, "GET", "/readyz", expect=200)
    ch.call(1, "GET", "/readyz", "role=leader", expect=200)
    ch.call(2, "GET", "/readyz", "role=leader", expect=503)
    ch.call(1, "GET", "/readyz", "role=follower", expect=400)

    term, v = leader_term(ch, 1)
    if not v["is_leader"] or v["lease_left_ms"] <= 0 or "timed_out" in v:
        fail(f"box1 should lead: {v}")
    v = ch.call(1, "GET", "/v1/leader", f"wait=100ms&after_term={term}", expect=200)
    if v["timed_out"] is not True or v["term"] != term:
        fail(f"a wait for a term that did not change: {v}")
    v = ch.call(2, "GET", "/v1/leader", f"wait=5s&after_term={term + 1000}", expect=200)
    if v["timed_out"] is not False:
        fail(f"a term other than after_term answered {v}")
    for q in ("wait=1s", f"after_term={term}", f"wait=1h&after_term={term}",
              f"wait=6m&after_term={term}", "wait=1s&after_term=-1"):
        ch.call(1, "GET", "/v1/leader", q, expect=400)

    ch.call(1, "GET", "/v1/status", expect=200)
    members = ch.call(2, "GET", "/v1/members", expect=200)["members"]
    if [m["name"] for m in members] != ["box1", "box2", "box3"]:
        fail(f"members: {members}")
    ch.call(1, "GET", "/metrics", expect=200)
    ch.call(2, "GET", "/ui", expect=200)

    check_events(ch)
    # The leader was cleared: elect it again.
    v = ch.call(2, "POST", "/v1/elect", "sync=true&timeout_ms=10000", expect=200)
    if "leader" not in v:
        fail(f"a sync election without its leader: {v}")
    ch.call(1, "POST", "/v1/elect", expect=200)
    ch.call(1, "POST", "/v1/elect", "sync=maybe", expect=400)
    ch.call(1, "POST", "/v1/elect", "sync=true&timeout_ms=-5", expect=400)

    # A lost quorum: box1 alone is not ready and cannot start an election.
    for box in ("box2", "box3"):
        subprocess.run([ctl, "cluster", "kill", box, "--dir", cluster_dir], check=True,
                       stdout=subprocess.DEVNULL)
    ch.until("box1 not ready without its quorum",
             lambda: ch.request(1, "GET", "/readyz")[0] == 503)
    ch.call(1, "GET", "/readyz", expect=503)
    ch.call(1, "POST", "/v1/elect", expect=409)
    ch.call(1, "POST", "/v1/elect", "sync=true&timeout_ms=100", expect=409)

    # The description is strict enough to fail: a field it does not name fails the status.
    strict = copy.deepcopy(spec.doc)
    del strict["components"]["schemas"]["Status"]["properties"]["pid"]
    if not Spec(strict).errors({"$ref": "#/components/schemas/Status"},
                               ch.samples[("/v1/status", 200)]):
        fail("a Status without pid in its schema still matched")

    described = {(m.upper(), p) for p, item in spec.doc["paths"].items() for m in item}
    called = {(m, p) for m, p, _ in ch.seen}
    if described - called:
        fail(f"not called: {sorted(described - called)}")
    statuses = {(m.upper(), p, int(c)) for p, item in spec.doc["paths"].items()
                for m, op in item.items() for c in op["responses"]}
    print("not produced here (other hosts, overload, stopping):",
          ", ".join(f"{m} {p} {s}" for m, p, s in sorted(statuses - ch.seen)))
    print(f"ok: {len(ch.seen)} (method, path, status) answers matched the description")


if __name__ == "__main__":
    try:
        main()
    except (Mismatch, OSError, ValueError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
