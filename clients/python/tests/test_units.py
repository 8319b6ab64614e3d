"""Unit tests of elector_client without electord: the SSE parser, the deadline arithmetic on a
fake clock, the token, and watch()'s reconnection against small fake servers on 127.0.0.1."""

import http.server
import json
import os
import queue
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import elector_client as ec  # noqa: E402

STREAM = (b"id: 0a0b0c0d-41\nevent: state\n"
          b'data: {"event": "state", "term": 7}\n\n'
          b": keepalive\n\n"
          b"id: 0a0b0c0d-42\r\nevent: leader_changed\r\n"
          b'data: {"event": "leader_changed",\r\ndata:  "term": 8}\r\n\r\n'
          b"event: dropped\rdata: {\"event\": \"dropped\", \"count\": 3}\r\r")
EXPECTED = [("0a0b0c0d-41", "state", '{"event": "state", "term": 7}'),
            ("0a0b0c0d-42", "leader_changed", '{"event": "leader_changed",\n "term": 8}'),
            ("0a0b0c0d-42", "dropped", '{"event": "dropped", "count": 3}')]


class SseParserTest(unittest.TestCase):
    def test_whole_stream(self):
        self.assertEqual(ec.SseParser().feed(STREAM), EXPECTED)

    def test_any_split_gives_the_same_events(self):
        for size in (1, 2, 3, 5, 7, 13):
            p = ec.SseParser()
            got = []
            for i in range(0, len(STREAM), size):
                got += p.feed(STREAM[i:i + size])
            self.assertEqual(got, EXPECTED, f"chunks of {size}")

    def test_cr_then_lf_in_the_next_chunk_is_one_line_end(self):
        p = ec.SseParser()
        got = p.feed(b"event: a\r") + p.feed(b"\ndata: 1\r") + p.feed(b"\n\r") + p.feed(b"\n")
        self.assertEqual(got, [(None, "a", "1")])

    def test_comments_and_events_without_data_yield_nothing(self):
        p = ec.SseParser()
        self.assertEqual(p.feed(b": keepalive\n\nid: x-1\nevent: nothing\n\n"), [])
        self.assertEqual(p.last_id, "x-1")
        self.assertEqual(p.feed(b"data: d\n\n"), [("x-1", "message", "d")])


class FakeClock:
    def __init__(self, start=10**12):
        self.now = start

    def __call__(self):
        return self.now


class DeadlineTest(unittest.TestCase):
    def test_the_deadline_counts_from_the_send(self):
        self.assertEqual(ec.safe_deadline_ns(5_000_000_000, 300, 50), 5_250_000_000)
        v = ec.LeaderView("a", 3, True, 300, 5_000_000_000)
        self.assertEqual(v.safe_deadline(), 5_000_000_000 + 300_000_000 - 30_000_000)
        self.assertEqual(v.safe_deadline(margin_ms=0), 5_300_000_000)
        self.assertEqual(v.role, "leader")

    def test_no_deadline_without_the_lease(self):
        self.assertIsNone(ec.LeaderView("a", 3, False, 0, 1).safe_deadline())
        self.assertIsNone(ec.LeaderView("a", 3, True, 0, 1).safe_deadline())
        self.assertEqual(ec.LeaderView("a", 3, False, 0, 1).role, "follower")

    def test_passed_on_the_clients_clock(self):
        clock = FakeClock()
        c = ec.Client(clock=clock)
        d = ec.LeaderView("a", 1, True, 100, clock()).safe_deadline(margin_ms=20)
        clock.now += 79_999_999
        self.assertFalse(c.deadline_passed(d))
        clock.now += 1
        self.assertTrue(c.deadline_passed(d))
        self.assertTrue(c.deadline_passed(None))


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 whose GETs are answered by `handle(handler)`."""

    def __init__(self, handle):
        outer = self
        self.requests = queue.Queue()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.put((self.path, dict(self.headers)))
                handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.control = f"127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def send_json(h, value):
    body = json.dumps(value).encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class RequestTest(unittest.TestCase):
    def test_the_send_time_is_read_before_the_answer(self):
        clock = FakeClock()

        def answer(h):
            clock.now += 10_000_000_000  # the answer comes 10 s after the send
            send_json(h, {"leader": "a", "term": 4, "is_leader": True, "lease_left_ms": 300})

        srv = FakeServer(answer)
        self.addCleanup(srv.close)
        sent = clock()
        d = ec.Client(srv.control, clock=clock).safe_deadline(margin_ms=50)
        self.assertEqual(d, sent + 250_000_000)
        self.assertTrue(ec.Client(srv.control, clock=clock).deadline_passed(d))

    def test_the_token_is_sent_as_a_bearer(self):
        srv = FakeServer(lambda h: send_json(
            h, {"leader": None, "term": 0, "is_leader": False, "lease_left_ms": 0,
                "timed_out": True}))
        self.addCleanup(srv.close)
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("s3cret-token\n")
        self.addCleanup(os.unlink, f.name)
        v = ec.Client(srv.control, token_file=f.name).wait_for_term_change(3, 1.5)
        path, headers = srv.requests.get(timeout=10)
        self.assertEqual(headers.get("Authorization"), "Bearer s3cret-token")
        self.assertEqual(path, "/v1/leader?wait=1500ms&after_term=3")
        self.assertTrue(v.timed_out)
        self.assertIsNone(v.leader)
        ec.Client(srv.control).leader()
        self.assertNotIn("Authorization", srv.requests.get(timeout=10)[1])

    def test_an_error_answer_raises_with_its_text(self):
        def answer(h):
            body = b'{"error": "bad value for wait"}\n'
            h.send_response(400)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        srv = FakeServer(answer)
        self.addCleanup(srv.close)
        with self.assertRaises(ec.ElectorError) as e:
            ec.Client(srv.control).leader()
        self.assertEqual((e.exception.status, e.exception.message), (400, "bad value for wait"))


class Stop(Exception):
    pass


class WatchTest(unittest.TestCase):
    def test_a_silent_stream_is_resumed_from_the_last_id(self):
        """The first stream sends one event and then nothing (no keep-alive): the client gives
        up on it after 2 x keepalive and asks again with Last-Event-ID."""
        release = threading.Event()
        self.addCleanup(release.set)
        served = []

        def stream(h):
            n = len(served) + 1
            served.append(n)
            h.send_response(200)
            h.send_header("Content-Type", "text/event-stream")
            h.end_headers()
            h.wfile.write(b'id: e-%d\nevent: x\ndata: {"n": %d}\n\n' % (n, n))
            h.wfile.flush()
            release.wait(30)

        srv = FakeServer(stream)
        self.addCleanup(srv.close)
        why = []
        gen = ec.Client(srv.control).watch(keepalive=0.05, reconnect_delay=0,
                                           on_reconnect=why.append)
        self.addCleanup(gen.close)
        self.assertEqual(next(gen), ec.Event("e-1", "x", {"n": 1}))
        self.assertEqual(next(gen), ec.Event("e-2", "x", {"n": 2}))
        self.assertIn("no event or keep-alive", why[0])
        self.assertNotIn("Last-Event-ID", srv.requests.get(timeout=10)[1])
        self.assertEqual(srv.requests.get(timeout=10)[1].get("Last-Event-ID"), "e-1")

    def test_an_ended_stream_is_resumed_and_on_reconnect_can_stop_it(self):
        def stream(h):
            h.send_response(200)
            h.send_header("Content-Type", "text/event-stream")
            h.end_headers()
            h.wfile.write(b'id: e-9\nevent: y\ndata: {}\n\n')

        srv = FakeServer(stream)
        self.addCleanup(srv.close)
        why = []

        def reconnect(reason):
            why.append(reason)
            if len(why) == 2:
                raise Stop

        got = []
        with self.assertRaises(Stop):
            for ev in ec.Client(srv.control).watch(last_event_id="e-3", reconnect_delay=0,
                                                   on_reconnect=reconnect):
                got.append(ev.id)
        self.assertEqual(got, ["e-9", "e-9"])
        self.assertEqual(why, ["the stream ended"] * 2)
        ids = [srv.requests.get(timeout=10)[1].get("Last-Event-ID") for _ in range(2)]
        self.assertEqual(ids, ["e-3", "e-9"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
