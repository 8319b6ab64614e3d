#!/usr/bin/env bash
# Five electord joined through one seed agree on one leader; `electorctl leader` on each node
# prints the same name.
source "$(dirname "$0")/lib.sh"
cookie=$(secret_file c "one-seed-secret")
for k in 1 2 3 4 5; do
  seeds=()
  [ "$k" -gt 1 ] && seeds=(--seeds "$(listen 1)")
  start_electord "$DIR/n$k.log" --name "n$k" --listen "$(listen "$k")" --control "$(control "$k")" \
    --cookie-file "$cookie" --election-delay 200 "${seeds[@]}"
done
agree() {
  local first="" l
  for k in 1 2 3 4 5; do
    l=$("$CTL" --control "$(control "$k")" leader) || return 1
    [ -n "$first" ] || first="$l"
    [ "$l" = "$first" ] || return 1
    [ "$("$CTL" --control "$(control "$k")" members | grep -c alive)" -eq 5 ] || return 1
  done
}
until_true 15000 agree || fail "the five nodes did not agree on one leader"
for k in 1 2 3 4 5; do echo "n$k sees $("$CTL" --control "$(control "$k")" leader)"; done
leaders=0
for k in 1 2 3 4 5; do
  "$CTL" --control "$(control "$k")" is-leader >/dev/null && leaders=$((leaders + 1))
done
[ "$leaders" -eq 1 ] || fail "$leaders nodes say they are leader"
echo "PASS"
