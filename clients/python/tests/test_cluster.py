"""elector_client against real electord processes, started and stopped by cluster.sh: three boxes
on 127.0.0.1, strategy priority (box1 leads), control ports BASE+10001..10003, and a node alone,
`solo`, whose control API is a unix socket. The environment names them: ELECTOR_TEST_BASE,
ELECTOR_TEST_DIR (the cluster's directory), ELECTOR_TEST_CTL (electorctl), ELECTOR_TEST_SOCKET
(solo's socket)."""

import os
import queue
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import elector_client as ec  # noqa: E402

LEASE_MS = 350  # 3.5 heartbeats of the default 100 ms
KEEPALIVE = 0.5  # the client's silence limit is twice this; the daemons send one every 0.1 s


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this through cluster.sh")
    return value


BASE = int(env("ELECTOR_TEST_BASE"))
DIR = env("ELECTOR_TEST_DIR")
CTL = env("ELECTOR_TEST_CTL")
SOCKET = env("ELECTOR_TEST_SOCKET")


def box(k, **kw):
    return ec.Client(f"127.0.0.1:{BASE + 10000 + k}", **kw)


def until(what, fn, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {limit} s: {what}")


def seq(event_id):
    epoch, _, n = event_id.partition("-")
    return epoch, int(n)


def cluster(*args):
    subprocess.run([CTL, "cluster", *args, "--dir", DIR], check=True, stdout=subprocess.DEVNULL)


def restore_leader():
    """A leader again after a clear: box1 (priority) once elected."""
    box(1).elect(sync=True, timeout_ms=10000)
    until("box1 leads", lambda: box(1).leader().is_leader)


class Proxy:
    """A TCP relay on 127.0.0.1 to one control port, whose connections the test can cut and
    hold: while held, new connections are accepted but wait before they are relayed."""

    def __init__(self, port):
        self.port = port
        self.open = threading.Event()
        self.open.set()
        self.lock = threading.Lock()
        self.socks = []
        self.closed = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(down,), daemon=True).start()

    def _relay(self, down):
        self.open.wait(60)
        try:
            up = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        except OSError:
            down.close()
            return
        with self.lock:
            if self.closed:
                down.close()
                up.close()
                return
            self.socks += [down, up]
        threading.Thread(target=self._pump, args=(up, down), daemon=True).start()
        self._pump(down, up)

    @staticmethod
    def _pump(src, dst):
        src.settimeout(None)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self, hold):
        """Closes every relayed connection; with hold, new ones wait for release()."""
        if hold:
            self.open.clear()
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def release(self):
        self.open.set()

    def close(self):
        with self.lock:
            self.closed = True
        self.listener.close()
        self.cut(hold=False)
        self.open.set()


class Watcher:
    """watch() in a thread of its own: events into a queue, reconnections counted; stop() ends
    it by raising from on_reconnect after the connection is cut."""

    def __init__(self, client, last_event_id=None):
        self.events = queue.Queue()
        self.reasons = []
        self.stopping = False
        self.client = client
        self.thread = threading.Thread(target=self._run, args=(last_event_id,), daemon=True)
        self.thread.start()

    def _reconnect(self, why):
        self.reasons.append(why)
        if self.stopping:
            raise StopIteration

    def _run(self, last_event_id):
        try:
            for ev in self.client.watch(last_event_id, keepalive=KEEPALIVE, reconnect_delay=0.05,
                                        on_reconnect=self._reconnect):
                self.events.put(ev)
        except (StopIteration, RuntimeError):
            pass

    def next(self, timeout=30):
        return self.events.get(timeout=timeout)


class LeaderTest(unittest.TestCase):
    def test_the_leader_and_its_followers(self):
        v = box(1).leader()
        self.assertEqual((v.leader, v.is_leader, v.role), ("box1", True, "leader"))
        self.assertTrue(0 < v.lease_left_ms <= LEASE_MS, v)
        self.assertIsNone(v.timed_out)
        f = box(2).leader()
        self.assertEqual((f.leader, f.is_leader, f.lease_left_ms, f.term),
                         ("box1", False, 0, v.term))
        self.assertEqual([m["name"] for m in box(3).members()], ["box1", "box2", "box3"])
        self.assertEqual(box(2).status()["role"], "follower")
        self.assertTrue(box(1).ready("leader")[0])
        self.assertFalse(box(2).ready("leader")[0])
        self.assertIn("elector_term", box(1).metrics())

    def test_wait_for_term_change(self):
        term = box(2).leader().term
        v = box(2).wait_for_term_change(term, 0.2)
        self.assertTrue(v.timed_out)
        self.assertEqual(v.term, term)
        self.assertIs(box(2).wait_for_term_change(term + 100, 10).timed_out, False)
        # A real change, while the query waits.
        got = queue.Queue()
        threading.Thread(target=lambda: got.put(box(3).wait_for_term_change(term, 60)),
                         daemon=True).start()
        box(1).clear_leader()
        restore_leader()
        v = got.get(timeout=60)
        self.assertIs(v.timed_out, False)
        self.assertGreater(v.term, term)

    def test_errors_raise(self):
        with self.assertRaises(ec.ElectorError) as e:
            box(1).wait_for_term_change(1, 600)  # over the 5 minutes a wait may be
        self.assertEqual(e.exception.status, 400)
        self.assertIn("wait", e.exception.message)


class SafeDeadlineTest(unittest.TestCase):
    def test_on_the_leader_it_is_ahead_and_within_the_lease(self):
        reads = []

        def clock():
            reads.append(ec.boottime_ns())
            return reads[-1]

        c = box(1, clock=clock)
        ahead = 0
        for _ in range(20):
            before = ec.boottime_ns()
            v = c.leader()
            after = ec.boottime_ns()
            d = v.safe_deadline(margin_ms=50)
            self.assertIsNotNone(d, v)
            self.assertTrue(before <= v.sent_ns <= after)
            self.assertEqual(d, v.sent_ns + (v.lease_left_ms - 50) * 1_000_000)
            # No later than a lease that started at the send.
            self.assertLessEqual(d, v.sent_ns + (LEASE_MS - 50) * 1_000_000)
            if d > after and not c.deadline_passed(d):
                ahead += 1
        # The lease is renewed every heartbeat: answers leave most of it (a loaded machine
        # may delay a few).
        self.assertGreater(ahead, 0)
        self.assertIsNotNone(c.safe_deadline())

    def test_a_follower_has_none(self):
        c = box(2)
        self.assertIsNone(c.safe_deadline())
        self.assertTrue(c.deadline_passed(c.safe_deadline()))


class WatchTest(unittest.TestCase):
    def setUp(self):
        until("box1 leads", lambda: box(1).leader().is_leader)

    def assert_contiguous(self, first_id, events):
        epoch, n = seq(first_id)
        for ev in events:
            self.assertNotIn(ev.name, ("state", "reset", "dropped"), ev)
            n += 1
            self.assertEqual(seq(ev.id), (epoch, n), f"after {first_id}: {[e.id for e in events]}")

    def collect_until_leader(self, w, leader="box1"):
        """Events up to the leader_changed naming `leader` (or a state or reset, which
        assert_contiguous refuses)."""
        got = []
        while True:
            ev = w.next()
            got.append(ev)
            if ev.name in ("state", "reset"):
                return got
            if ev.name == "leader_changed" and ev.data.get("leader") == leader:
                return got

    def test_resumes_by_itself_after_a_dropped_connection(self):
        proxy = Proxy(BASE + 10002)
        self.addCleanup(proxy.close)
        w = Watcher(ec.Client(proxy.address))
        state = w.next()
        self.assertEqual((state.name, state.data["leader"]), ("state", "box1"))
        proxy.cut(hold=True)
        until("the watcher noticed", lambda: w.reasons)
        # Events while it is away: box2 sees the leader cleared, then box1 elected.
        box(1).clear_leader()
        restore_leader()
        proxy.release()
        events = self.collect_until_leader(w)
        self.assert_contiguous(state.id, events)
        self.assertEqual(events[0].data["leader"], None)
        w.stopping = True
        proxy.close()
        w.thread.join(30)
        self.assertFalse(w.thread.is_alive())

    def test_resumes_from_a_given_id_and_an_unknown_one_gets_reset(self):
        gen = box(3).watch(keepalive=KEEPALIVE)
        state = next(gen)
        gen.close()
        self.assertEqual(state.name, "state")
        box(1).clear_leader()
        restore_leader()
        w = Watcher(box(3), last_event_id=state.id)
        self.assert_contiguous(state.id, self.collect_until_leader(w))
        w.stopping = True

        gen = box(3).watch(last_event_id="0badc0de-17", keepalive=KEEPALIVE)
        self.addCleanup(gen.close)
        reset = next(gen)
        self.assertEqual((reset.name, reset.data),
                         ("reset", {"event": "reset", "last_event_id": "0badc0de-17"}))
        self.assertEqual(next(gen).name, "state")

    def test_a_frozen_node_is_noticed_and_the_stream_resumed(self):
        w = Watcher(box(3))
        self.addCleanup(lambda: setattr(w, "stopping", True))
        state = w.next()
        cluster("freeze", "box3")
        self.addCleanup(cluster, "thaw", "box3")
        until("the silence noticed", lambda: any("no event or keep-alive" in r for r in w.reasons))
        cluster("thaw", "box3")
        box(1).clear_leader()
        restore_leader()
        events = self.collect_until_leader(w)
        # Whatever box3 published meanwhile (members suspected and back) is there, in order.
        self.assert_contiguous(state.id, events)


class UnixSocketTest(unittest.TestCase):
    def test_a_node_on_a_unix_socket(self):
        c = ec.Client(f"unix:{SOCKET}")

        def leads():
            try:
                v = c.leader()
            except ec.ElectorError:
                return None
            return v if v.is_leader else None

        v = until("solo leads itself, answering on its socket", leads)
        self.assertEqual(v.leader, "solo")
        self.assertIsNotNone(v.safe_deadline())
        self.assertEqual(c.status()["control"], f"unix:{SOCKET}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
