#!/usr/bin/env bash
# docs/electord.example.toml starts a node as it is written, but for what belongs to the machine
# (the cookie file, event log and state directory it names under /etc and /var, and its ports),
# which the environment overrides as the docs say it beats the file; the node elects itself and
# runs the example's hook. A wrong value in a copy of the file is refused naming its TOML key.
source "$(dirname "$0")/lib.sh"
example="$(cd "$(dirname "$0")/../.." && pwd)/docs/electord.example.toml"
require_tools logger
cookie=$(secret_file c "example-config-secret")
ELECTOR_COOKIE_FILE="$cookie" ELECTOR_EVENT_LOG="$DIR/events.jsonl" ELECTOR_LISTEN="$(listen 1)" \
  ELECTOR_CONTROL="$(control 1)" ELECTOR_SEEDS="$(listen 2)" \
  start_electord "$DIR/box1.log" --config "$example"
# The example's name (box1) and priority strategy; alone, it leads once its election delay is over.
until_true 15000 "$CTL" --control "$(control 1)" is-leader ||
  fail "the node started from the example config did not become leader"
[ "$("$CTL" --control "$(control 1)" leader)" = box1 ] || fail "the leader is not box1"
grep -q '"leader_changed"' "$DIR/events.jsonl" || fail "no leader_changed in the event log"

# A value of the wrong type: the error names the key as the file spells it, and the file.
sed 's/^election_delay = 1000$/election_delay = "1000"/' "$example" >"$DIR/bad.toml"
grep -q '^election_delay = "1000"$' "$DIR/bad.toml" || fail "the example has no election_delay line"
rc=0
ELECTOR_COOKIE_FILE="$cookie" "$ELECTORD" --config "$DIR/bad.toml" --state-dir "$DIR/bad" \
  >"$DIR/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a string election_delay exited $rc, not 2"
grep -q "election_delay in $DIR/bad.toml" "$DIR/bad.log" ||
  fail "the error does not name election_delay and the file: $(cat "$DIR/bad.log")"
echo "PASS"
