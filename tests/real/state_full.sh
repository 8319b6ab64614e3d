#!/usr/bin/env bash
# A node whose state directory is a full file system cannot save its state: it never leads, never
# grants a vote (its refusals say `unsaved`) and says so loudly, while the two others elect a
# leader with quorum 2 of 3. Once space is freed it saves again. Needs root (to mount a tmpfs).
source "$(dirname "$0")/lib.sh"
skip_unless_root "to mount a tmpfs"
require_tools curl jq mount umount dd df

FULL="$DIR/full"
mkdir -p "$FULL"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL" || fail "cannot mount a tmpfs on $FULL"
# The node holds its lock file open on the tmpfs: stop it (by PID) before unmounting, then let
# lib.sh's cleanup stop the rest and remove the directory.
unmount_full() {
  local p
  for p in "${EXTRA_PIDS[@]}"; do
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  umount "$FULL" 2>/dev/null || umount -l "$FULL" 2>/dev/null || true
  cleanup
}
trap unmount_full EXIT

# Fill it: not one more block can be written.
dd if=/dev/zero of="$FULL/fill" bs=4096 2>/dev/null || true
[ "$(df --output=avail -B1 "$FULL" | tail -1 | tr -d ' ')" -eq 0 ] || fail "$FULL is not full"

opts=(--strategy priority --quorum-size 2 --election-delay 200)
cluster_up 2 "${opts[@]}" >/dev/null
# box0 ranks first (priority 0 before 1): only its failing saves keep it from leading.
start_electord "$DIR/box0.log" --name box0 --priority 0 --listen "$(listen 9)" \
  --control "$(control 9)" --seeds "$(listen 1)" --cookie-file "$DIR/cookie" \
  --event-log "$DIR/box0.events.jsonl" --state-dir "$FULL" "${opts[@]}"
box0_status() { curl -sf --max-time 5 "http://$(control 9)/v1/status"; }
until_true 15000 box0_status || fail "box0 does not answer"

# box0 fails its first save (a watcher's acknowledgement, or its campaign as the best candidate).
box0_unsaved() { [ "$(box0_status | jq -r '.state_saved')" = false ]; }
until_true 15000 box0_unsaved || fail "box0 reports its state as saved: $(box0_status)"
# The other two elect one of them, box0 refusing its vote.
cluster_wait --timeout 20000 --expect box1 || fail "box1 and box2 do not agree on box1"
# box2 goes: box1 then needs box0's support for its lease and its next campaign, and box0
# refuses (while box2 lived, box1 could win before box0's refusal arrived).
kill -9 "$(cat "$DIR/box2/pid")"
refused_unsaved() {
  local k n
  for k in 1; do
    n=$(curl -sf --max-time 5 "http://$(control "$k")/metrics" |
      awk '$1 == "elector_vote_refusals_total{reason=\"unsaved\"}" { print $2 }')
    [ "${n:-0}" -gt 0 ] && return 0
  done
  return 1
}
until_true 20000 refused_unsaved || fail "no campaign was refused by box0 with reason unsaved"
assert_alive box0 "$(control 9)"

st=$(box0_status)
echo "box0: $(jq -c '{is_leader, role, term, state_file, state_saved, state_save_failures}' <<<"$st")"
[ "$(jq -r .is_leader <<<"$st")" = false ] || fail "box0 leads without saving its state"
[ "$(jq -r .state_file <<<"$st")" = "$FULL/box0.state" ] || fail "box0's state file: $st"
[ "$(jq -r .state_save_failures <<<"$st")" -gt 0 ] || fail "box0 counts no failed save: $st"
curl -sf "http://$(control 9)/metrics" | grep -qx 'elector_state_saved 0' ||
  fail "box0's metrics do not say elector_state_saved 0"
if grep -q '"event":"leadership_acquired"' "$DIR/box0.events.jsonl"; then
  fail "box0 was elected: $(grep leadership "$DIR/box0.events.jsonl")"
fi
grep -q "cannot save the state file $FULL/box0.state (.*No space left on device.*neither votes" \
  "$DIR/box0.log" || fail "box0 does not say loudly why it neither votes nor leads"
grep -m1 "cannot save the state file" "$DIR/box0.log"
# About once a second (and once at the first failure), not at every retry (every T = 100 ms).
lines=$(grep -c "cannot save the state file" "$DIR/box0.log")
[ "$lines" -le $(($(jq -r .uptime_ms <<<"$st") / 900 + 2)) ] ||
  fail "box0 logged the failure $lines times in $(jq -r .uptime_ms <<<"$st") ms"

# Space again: box0 saves and is back in the cluster's elections.
rm -f "$FULL/fill"
box0_saved() { [ "$(box0_status | jq -r '.state_saved')" = true ]; }
until_true 15000 box0_saved || fail "box0 does not save again once there is space: $(box0_status)"
grep -q "is saved again" "$DIR/box0.log" || fail "box0 does not say it saves again"
[ -s "$FULL/box0.state" ] || fail "no state file in $FULL after the recovery"
echo "PASS"
