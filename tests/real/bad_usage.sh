#!/usr/bin/env bash
# Bad flags and config exit with 2 and name the key and the value; no secret refuses to start.
source "$(dirname "$0")/lib.sh"
expect2() {  # expect2 TEXT ARGS...: electord ARGS exits 2 and its message contains TEXT
  local text="$1" rc=0 out
  shift
  out=$(env -u ELECTOR_COOKIE "$ELECTORD" "$@" 2>&1) || rc=$?
  [ "$rc" -eq 2 ] || fail "electord $* exited $rc, expected 2: $out"
  echo "$out" | grep -q -- "$text" || fail "electord $*: message does not name '$text': $out"
  echo "exit 2: $(echo "$out" | head -1)"
}
ok=(--name a --listen "$(listen 1)" --control "$(control 1)" --insecure --state-dir "$DIR/state")
expect2 "quorum-size" "${ok[@]}" --quorum-size x
expect2 "strategy" "${ok[@]}" --strategy fastest
expect2 "candidate" "${ok[@]}" --candidate maybe
expect2 "no-such-flag" "${ok[@]}" --no-such-flag 1
printf 'quorum_size = "three"\n' >"$DIR/bad.toml"
expect2 "quorum_size" "${ok[@]}" --config "$DIR/bad.toml"
printf 'qourum_size = 3\n' >"$DIR/typo.toml"
expect2 "qourum_size" "${ok[@]}" --config "$DIR/typo.toml"
printf 'event_log = "%s"\n' "$DIR/no-such-dir/events.jsonl" >"$DIR/events.toml"
expect2 "cannot open event_log in $DIR/events.toml" "${ok[@]}" --config "$DIR/events.toml"
expect2 "secret" --name a --listen "$(listen 1)" --control "$(control 1)"
rc=0
"$CTL" --control "$(control 1)" elect --timeout nope >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "electorctl with a bad --timeout exited $rc, expected 2"
echo "PASS"
