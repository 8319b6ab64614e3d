#!/usr/bin/env bash
# electord's /ui in headless Chromium against a real 3-box cluster on 127.0.0.1: the page shows
# the leader, then the new one after the leader is killed (ui_browser.py says what is checked).
# `electorctl cluster ui` gives the page's URL, and opens no browser for a script.
# Usage: ui_browser.sh BIN_DIR BASE_PORT PYTHON OUT_DIR; screenshots and Chromium's log go to
# OUT_DIR. Chromium runs in a session of its own, killed by its PID on every exit.
source "$(dirname "$0")/../real/lib.sh"
PYTHON="$3"
OUT="$4"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$OUT"
mkdir -p "$OUT"
stop_chromium() {
  local pid
  pid=$(cat "$OUT/chromium.pid" 2>/dev/null) || return 0
  kill -9 -- "-$pid" 2>/dev/null || true
  kill -9 "$pid" 2>/dev/null || true
}
trap 'stop_chromium; cleanup' EXIT
require_tools chromium

cluster_up 3 --strategy priority >/dev/null || fail "cluster up"
cluster_wait --timeout 20000 --expect box1 >/dev/null || fail "no leader box1"

# A script gets the URL and no browser, whatever $BROWSER says; --no-open likewise.
marker="$DIR/browser-ran"
url=$(BROWSER="touch $marker" "$CTL" cluster ui --dir "$DIR") || fail "cluster ui: $url"
[ "$url" = "http://$(control 1)/ui" ] || fail "cluster ui printed '$url', expected box1's page"
[ ! -e "$marker" ] || fail "cluster ui ran \$BROWSER with stdout not a terminal"
url=$("$CTL" cluster ui box3 --no-open --dir "$DIR") || fail "cluster ui box3: $url"
[ "$url" = "http://$(control 3)/ui" ] || fail "cluster ui box3 printed '$url'"
rc=0
out=$("$CTL" cluster ui box9 --dir "$DIR" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "cluster ui box9 (no such box): exit $rc, expected 2: $out"

# box1 leads (priority 1): the page is box3's, which outlives the kill.
"$PYTHON" "$here/ui_browser.py" "$(command -v chromium)" "$url" "$CTL" "$DIR" "$OUT" ||
  fail "the page did not follow the leader (screenshots in $OUT)"
