"""A client of electord's control API (docs/control-api.md, docs/openapi.yaml).

Python 3.9 or later, standard library only, Linux (the safe deadline is kept on CLOCK_BOOTTIME,
the clock of the node's leases).

    from elector_client import Client
    c = Client("127.0.0.1:7947")            # or "unix:/run/elector/control.sock"
    v = c.leader()                          # LeaderView(leader, term, is_leader, lease_left_ms)
    v = c.wait_for_term_change(v.term, 30)  # blocks until the term changes or 30 s pass
    deadline = c.safe_deadline()            # CLOCK_BOOTTIME ns, None unless this node leads
    for ev in c.watch():                    # server-sent events, resumed across reconnects
        print(ev.id, ev.name, ev.data)

Thread safety: a Client holds no connection between calls (every request opens its own), so one
Client may be used from several threads; a watch() generator belongs to the thread iterating it.
"""

import http.client
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Tuple

DEFAULT_CONTROL = "127.0.0.1:7947"
DEFAULT_MARGIN_MS = 30  # as `electorctl run --margin`
DEFAULT_KEEPALIVE_S = 0.1  # electord's default --events-keepalive (the heartbeat period)


def boottime_ns() -> int:
    """CLOCK_BOOTTIME in nanoseconds: monotonic, and counting while the machine is suspended."""
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME)


class ElectorError(Exception):
    """An answer other than the one expected: `status` (0 when there was no answer) and the
    server's `{"error": ...}` text."""

    def __init__(self, status: int, message: str, body: Optional[dict] = None):
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.body = body or {}


def safe_deadline_ns(sent_ns: int, lease_left_ms: int, margin_ms: int = DEFAULT_MARGIN_MS) -> int:
    """The safe local deadline of a lease: counted from the moment the request was *sent*
    (the node read its lease at some instant after that), less the margin
    (docs/electorctl-run.md). It falls no later than the lease's real end minus the margin."""
    return sent_ns + lease_left_ms * 1_000_000 - margin_ms * 1_000_000


@dataclass(frozen=True)
class LeaderView:
    """GET /v1/leader's answer, with the CLOCK_BOOTTIME instant the request was sent."""

    leader: Optional[str]
    term: int
    is_leader: bool
    lease_left_ms: int
    sent_ns: int
    timed_out: Optional[bool] = None  # only on a blocking query

    @property
    def role(self) -> str:
        """`leader` while this node holds the lease, else `follower` (GET /v1/status has the
        node's finer role)."""
        return "leader" if self.is_leader else "follower"

    def safe_deadline(self, margin_ms: int = DEFAULT_MARGIN_MS) -> Optional[int]:
        """The safe deadline (CLOCK_BOOTTIME ns) of this node's lease; None when it does not
        lead (as `electorctl run`: it leads when is_leader and lease_left_ms > 0)."""
        if not self.is_leader or self.lease_left_ms <= 0:
            return None
        return safe_deadline_ns(self.sent_ns, self.lease_left_ms, margin_ms)


@dataclass(frozen=True)
class Event:
    """One server-sent event: `id` (EPOCH-SEQ), `name` (state, reset, dropped, leader_changed,
    ...) and `data`, its JSON object."""

    id: Optional[str]
    name: str
    data: dict


class SseParser:
    """Server-sent events from bytes, as they arrive (any split). Lines end with LF, CR or CRLF;
    a blank line ends an event; `:` lines are comments; several `data:` lines are joined with LF;
    the last `id:` seen carries over to later events, as EventSource does."""

    def __init__(self):
        self._buf = b""
        self._after_cr = False
        self._name = ""
        self._data: List[str] = []
        self._has_data = False
        self.last_id: Optional[str] = None

    def feed(self, chunk: bytes) -> List[Tuple[Optional[str], str, str]]:
        """The events completed by `chunk`: (id, name, data text) each."""
        out = []
        start = 0
        for i, b in enumerate(chunk):
            if b not in (10, 13):
                continue
            if b == 10 and self._after_cr and i == start:
                self._after_cr = False
                start = i + 1
                continue
            line = self._buf + chunk[start:i]
            self._buf = b""
            self._after_cr = b == 13
            start = i + 1
            self._line(line.decode("utf-8", "replace"), out)
        if start < len(chunk):
            self._buf += chunk[start:]
            self._after_cr = False
        return out

    def _line(self, line: str, out: list) -> None:
        if line == "":
            if self._has_data:
                out.append((self.last_id, self._name or "message", "\n".join(self._data)))
            self._name, self._data, self._has_data = "", [], False
            return
        if line.startswith(":"):
            return
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._has_data = True
        elif field == "event":
            self._name = value
        elif field == "id" and "\0" not in value:
            self.last_id = value


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


def _read_token(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _duration(seconds: float) -> str:
    return f"{max(0, int(seconds * 1000))}ms"


class Client:
    """The control API of one node.

    control: HOST:PORT, [IPv6]:PORT or unix:PATH. token / token_file: the bearer token a client
    of another host needs (`electorctl --token-file`). timeout: seconds a request may take
    (a blocking query adds its wait). clock: the clock of the deadlines, CLOCK_BOOTTIME ns
    unless replaced (tests)."""

    def __init__(self, control: str = DEFAULT_CONTROL, token: Optional[str] = None,
                 token_file: Optional[str] = None, timeout: float = 5.0,
                 clock: Callable[[], int] = boottime_ns):
        if token is not None and token_file is not None:
            raise ValueError("give token or token_file, not both")
        self.control = control
        self.token = _read_token(token_file) if token_file is not None else token
        self.timeout = timeout
        self.clock = clock

    # --- plumbing

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.control.startswith("unix:"):
            return _UnixConnection(self.control[len("unix:"):], timeout)
        host, sep, port = self.control.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"control address {self.control!r}: expected HOST:PORT or unix:PATH")
        return http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)

    def _headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(extra or {})
        return h

    def _request(self, method: str, path: str, query: Optional[dict] = None,
                 timeout: Optional[float] = None) -> Tuple[int, str, bytes, int]:
        """(status, content type, body, send instant in clock ns)."""
        target = path + ("?" + urllib.parse.urlencode(query) if query else "")
        conn = self._connection(self.timeout if timeout is None else timeout)
        try:
            conn.connect()
            # Taken before the request leaves: the node reads its lease after this instant.
            sent = self.clock()
            conn.request(method, target, headers=self._headers())
            r = conn.getresponse()
            return r.status, r.getheader("Content-Type", ""), r.read(), sent
        except (OSError, http.client.HTTPException) as e:
            raise ElectorError(0, f"{method} {target} on {self.control}: {e}") from e
        finally:
            conn.close()

    def _json(self, method: str, path: str, query: Optional[dict] = None,
              ok: Tuple[int, ...] = (200,),
              timeout: Optional[float] = None) -> Tuple[int, dict, int]:
        status, ctype, body, sent = self._request(method, path, query, timeout)
        try:
            value = json.loads(body) if ctype.startswith("application/json") else {}
        except ValueError:
            value = {}
        if status not in ok:
            raise ElectorError(status, str(value.get("error", body[:200])), value)
        return status, value, sent

    # --- the API

    def leader(self) -> LeaderView:
        """GET /v1/leader."""
        _, v, sent = self._json("GET", "/v1/leader")
        return self._view(v, sent)

    def wait_for_term_change(self, after_term: int, wait: float = 30.0) -> LeaderView:
        """GET /v1/leader?wait=&after_term=: answers when the term differs from `after_term`
        (at once when it already does), or after `wait` seconds (at most 300) with
        timed_out=True."""
        q = {"wait": _duration(wait), "after_term": str(after_term)}
        _, v, sent = self._json("GET", "/v1/leader", q, timeout=wait + self.timeout)
        return self._view(v, sent)

    @staticmethod
    def _view(v: dict, sent: int) -> LeaderView:
        return LeaderView(v.get("leader"), int(v["term"]), bool(v["is_leader"]),
                          int(v["lease_left_ms"]), sent, v.get("timed_out"))

    def safe_deadline(self, margin_ms: int = DEFAULT_MARGIN_MS) -> Optional[int]:
        """Asks the node now: the safe deadline (clock ns) of its lease, None when it does not
        lead. Act as the leader only while deadline_passed(deadline) is False."""
        return self.leader().safe_deadline(margin_ms)

    def deadline_passed(self, deadline_ns: Optional[int]) -> bool:
        """Whether the deadline has passed on this client's clock; None (no lease) has."""
        return deadline_ns is None or self.clock() >= deadline_ns

    def status(self) -> dict:
        """GET /v1/status."""
        return self._json("GET", "/v1/status")[1]

    def members(self) -> List[dict]:
        """GET /v1/members: sorted by name, this node included."""
        return self._json("GET", "/v1/members")[1]["members"]

    def ready(self, role: Optional[str] = None) -> Tuple[bool, dict]:
        """GET /readyz[?role=leader]: (ready, body)."""
        status, v, _ = self._json("GET", "/readyz", {"role": role} if role else None,
                                  ok=(200, 503))
        return status == 200, v

    def elect(self, sync: bool = False, timeout_ms: Optional[int] = None) -> dict:
        """POST /v1/elect[?sync=true&timeout_ms=N]; ElectorError on 409, 503, 504."""
        q = {"sync": "true"} if sync else {}
        if timeout_ms is not None:
            q["timeout_ms"] = str(timeout_ms)
        wait = (timeout_ms if timeout_ms is not None else 5000) / 1000 if sync else 0
        return self._json("POST", "/v1/elect", q or None, timeout=self.timeout + wait)[1]

    def clear_leader(self) -> dict:
        """POST /v1/clear-leader."""
        return self._json("POST", "/v1/clear-leader")[1]

    def metrics(self) -> str:
        """GET /metrics: Prometheus text."""
        status, _, body, _ = self._request("GET", "/metrics")
        if status != 200:
            raise ElectorError(status, body.decode("utf-8", "replace"))
        return body.decode()

    def watch(self, last_event_id: Optional[str] = None, keepalive: float = DEFAULT_KEEPALIVE_S,
              reconnect_delay: float = 0.1,
              on_reconnect: Optional[Callable[[str], None]] = None) -> Iterator[Event]:
        """GET /v1/events as a generator of Events, forever.

        The first event is `state` (or, given last_event_id, the events after it). A dropped
        connection, a stream that ends, or one silent (no event, no keep-alive) for 2 x
        `keepalive` seconds (give the node's --events-keepalive; its default is the heartbeat
        period, 0.1 s) is reconnected after `reconnect_delay` s with Last-Event-ID: the events
        missed are sent then, none lost or repeated. When the node no longer has them (too old,
        or the daemon restarted) the next event is `reset` and the one after it the `state`:
        the view may have a gap, and the state replaces it. A `dropped` event says how many
        events this client lost by falling behind. on_reconnect(why) is called before every
        reconnection. Errors other than 503 (too many streams) raise ElectorError."""
        last = last_event_id
        while True:
            conn, resp = self._stream(last, keepalive)
            why = ""
            try:
                parser = SseParser()
                while True:
                    try:
                        chunk = resp.read1(65536)
                    except socket.timeout:
                        why = f"no event or keep-alive for {2 * keepalive:g} s"
                        break
                    except (OSError, http.client.HTTPException) as e:
                        why = f"connection lost: {e}"
                        break
                    if not chunk:
                        why = "the stream ended"
                        break
                    for eid, name, data in parser.feed(chunk):
                        last = eid or last
                        yield Event(eid, name, json.loads(data))
            finally:
                conn.close()
            if on_reconnect is not None:
                on_reconnect(why)
            time.sleep(reconnect_delay)

    def _stream(self, last: Optional[str], keepalive: float):
        """An open event stream (connection, response), retried while the node cannot be
        reached or has no stream free."""
        while True:
            conn = self._connection(2 * keepalive)
            try:
                conn.connect()
                headers = {"Accept": "text/event-stream"}
                if last is not None:
                    headers["Last-Event-ID"] = last
                conn.request("GET", "/v1/events", headers=self._headers(headers))
                resp = conn.getresponse()
                if resp.status == 200:
                    return conn, resp
                body = resp.read()
                conn.close()
                if resp.status != 503:
                    raise ElectorError(resp.status, body.decode("utf-8", "replace").strip())
            except (OSError, http.client.HTTPException):
                conn.close()
            time.sleep(0.1)
