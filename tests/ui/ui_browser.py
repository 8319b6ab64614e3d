"""electord's /ui page in headless Chromium, against a real local cluster (ui_browser.sh).

usage: ui_browser.py CHROMIUM URL ELECTORCTL CLUSTER_DIR OUT_DIR [--screenshot FILE]

URL is the page of a box that does not lead. The page must show the leader the cluster agrees
on; after the leader is killed (SIGKILL, by PID), it must show the new one no later than a second
after `electorctl cluster wait` sees every survivor agree on it. A synthetic 1,000-member list
must draw only the rows in view and filter. Screenshots go to OUT_DIR. With --screenshot, only
loads the page and saves one screenshot in FILE (docs/ui.png). Exits 1 on the first failure.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CdpError  # noqa: E402


class Failed(Exception):
    pass


def until(what, fn, limit):
    end = time.monotonic() + limit
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise Failed(f"not within {limit} s: {what}")
        time.sleep(0.02)


def shown(b):
    """What the page shows: its leader card, term, connection and node (all empty while the
    page loads)."""
    return b.evaluate("""!document.getElementById('leader') ? {leader: '', conn: '', rows: 0} :
        ({leader: document.getElementById('leader').textContent,
        term: document.getElementById('term').textContent,
        conn: document.getElementById('conn').textContent,
        node: document.getElementById('node').textContent,
        rows: document.querySelectorAll('.row').length})""")


def cluster_leader(ctl, cluster_dir, timeout_ms):
    out = subprocess.run([ctl, "cluster", "wait", "--dir", cluster_dir, "--timeout",
                          str(timeout_ms)], capture_output=True, text=True)
    if out.returncode != 0:
        raise Failed(f"cluster wait: {out.stdout}{out.stderr}")
    return out.stdout.split()[1]  # "leader NAME agreed by K nodes after X ms"


SYNTHETIC = """(async () => {
  const list = [];
  for (let k = 1; k <= 1000; ++k) {
    list.push({name: 'box' + k, addr: '127.0.0.1:' + (7000 + k), control: '127.0.0.1:' + (17000 + k),
               status: k % 97 === 0 ? 'dead' : 'alive', priority: k, candidate: k % 10 !== 0,
               settings_match: k % 250 !== 0, self: false});
  }
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const t0 = performance.now();
  electorUi.showMembers(list);
  await frame();
  const drawMs = performance.now() - t0;
  const drawn = electorUi.rowsDrawn();
  const f = document.getElementById('filter');
  f.value = 'box99';
  f.dispatchEvent(new Event('input'));
  await frame();
  const filtered = document.getElementById('shown').textContent;
  const filteredRows = electorUi.rowsDrawn();
  f.value = 'differs';
  f.dispatchEvent(new Event('input'));
  await frame();
  const differs = document.getElementById('shown').textContent;
  f.value = '';
  f.dispatchEvent(new Event('input'));
  await frame();
  const vp = document.getElementById('viewport');
  vp.scrollTop = vp.scrollHeight;
  vp.dispatchEvent(new Event('scroll'));
  await frame();
  const names = Array.from(document.querySelectorAll('.row'))
    .filter((r) => r.style.display !== 'none').map((r) => r.children[0].textContent);
  return {drawMs, drawn, filtered, filteredRows, differs, last: names[names.length - 1],
          total: document.getElementById('shown').textContent};
})()"""


def check_thousand(b, out_dir):
    r = b.evaluate(SYNTHETIC, await_promise=True)
    print(f"1000 members: first draw {r['drawMs']:.1f} ms, {r['drawn']} rows drawn; "
          f"filter box99: {r['filtered']}; filter differs: {r['differs']}")
    if r["total"] != "1000 members":
        raise Failed(f"1000 members shown as {r['total']!r}")
    # Virtualised: the rows in view and a few more, not a thousand.
    if not 0 < r["drawn"] <= 60:
        raise Failed(f"{r['drawn']} rows drawn for 1000 members")
    if r["filtered"] != "11 of 1000 members" or r["filteredRows"] != 11:
        raise Failed(f"filter box99: {r['filtered']!r}, {r['filteredRows']} rows")
    if r["differs"] != "4 of 1000 members":
        raise Failed(f"filter differs: {r['differs']!r}")
    if r["last"] != "box1000":
        raise Failed(f"scrolled to the end, the last row drawn is {r['last']!r}")
    b.screenshot(os.path.join(out_dir, "members-1000.png"))


def main():
    args = sys.argv[1:]
    shot = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        shot = args[i + 1]
        del args[i:i + 2]
    chromium, url, ctl, cluster_dir, out_dir = args
    os.makedirs(out_dir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="ui-chromium.", dir=out_dir)
    with open(os.path.join(out_dir, "chromium.log"), "wb") as log, \
            Browser(chromium, profile, log=log) as b:
        # The shell's trap kills it by this PID if this script dies first.
        with open(os.path.join(out_dir, "chromium.pid"), "w") as f:
            f.write(str(b.pid))
        b.attach_page()
        b.navigate(url)
        leader = cluster_leader(ctl, cluster_dir, 15000)
        v = until(f"the page shows the leader {leader}, live",
                  lambda: (lambda s: s if s["leader"] == leader and s["conn"] == "live" and
                           s["rows"] > 0 else None)(shown(b)), 15)
        print(f"the page of {v['node']} shows leader {v['leader']} (term {v['term']})")
        if shot:
            # Let the polls fill the cards and the lease tick before the picture.
            time.sleep(1.5)
            b.screenshot(shot)
            return
        b.screenshot(os.path.join(out_dir, "before.png"))

        k = int(leader.removeprefix("box"))
        with open(os.path.join(cluster_dir, f"box{k}", "pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        # `cluster wait` polls every box until the survivors agree; the page is read meanwhile.
        wait = subprocess.Popen([ctl, "cluster", "wait", "--dir", cluster_dir, "--timeout",
                                 "20000"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        seen = None
        agreed = None
        while True:
            now = time.monotonic()
            if seen is None:
                s = shown(b)
                if s["leader"] not in (leader, "none", "?"):
                    seen = (now, s)
            if agreed is None and wait.poll() is not None:
                out = wait.stdout.read()
                if wait.returncode != 0:
                    raise Failed(f"no new leader agreed: {out}")
                agreed = (now, out.split()[1])
            if seen and agreed:
                break
            if agreed and now > agreed[0] + 1.0:
                raise Failed(f"the cluster agreed on {agreed[1]} {now - killed:.2f} s after the "
                             f"kill, but 1 s later the page still shows {shown(b)}")
            time.sleep(0.02)
        b.screenshot(os.path.join(out_dir, "after.png"))
        if seen[1]["leader"] != agreed[1]:
            raise Failed(f"the page shows {seen[1]['leader']}, the cluster agreed on {agreed[1]}")
        print(f"killed {leader} (pid {pid}); the page showed {seen[1]['leader']} "
              f"(term {seen[1]['term']}) {seen[0] - killed:.3f} s after the kill, the cluster "
              f"agreed {agreed[0] - killed:.3f} s after it (as polled)")
        timeline = b.evaluate("document.getElementById('timeline').rows.length")
        if timeline < 2:
            raise Failed(f"the timeline has {timeline} rows after a change of leader")
        # The election that chose it, with its duration.
        until(f"an election won by {agreed[1]} in the elections table", lambda: b.evaluate(
            "Array.from(document.getElementById('elections').rows).some((r) => "
            f"r.cells[3].textContent === '{agreed[1]}' && / ms$/.test(r.cells[5].textContent))"),
            5)
        check_thousand(b, out_dir)


if __name__ == "__main__":
    try:
        main()
    except (Failed, CdpError, OSError, ValueError, StopIteration) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
    print("PASS")
