#!/usr/bin/env bash
# The control API answers clients of this host, refuses clients of other hosts by default, and
# admits them with the control token. The other host is a network namespace that this test
# creates and deletes (root only: skipped when not root; as root, a missing tool or a namespace
# that cannot be made fails the test).
source "$(dirname "$0")/lib.sh"
skip_unless_root "to create a network namespace"
require_tools ip curl
ns="elector-ctl-$$"
veth_host="ec$$h"
veth_ns="ec$$n"
subnet="10.213.$(($$ % 250 + 1))"
cleanup_ns() {
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$veth_host" 2>/dev/null || true
}
trap 'cleanup_ns; cleanup' EXIT
err=$(ip netns add "$ns" 2>&1) || fail "cannot create a network namespace: ip netns add $ns: $err"
ip link add "$veth_host" type veth peer name "$veth_ns"
ip link set "$veth_ns" netns "$ns"
ip addr add "$subnet.1/30" dev "$veth_host"
ip link set "$veth_host" up
ip netns exec "$ns" ip addr add "$subnet.2/30" dev "$veth_ns"
ip netns exec "$ns" ip link set "$veth_ns" up
ip netns exec "$ns" ip link set lo up

secret=$(secret_file cluster "control-remote-test-secret")
token_file="$DIR/token"
printf 'a-control-token-of-some-length\n' >"$token_file"
wrong_file="$DIR/wrong"
printf 'not-the-control-token-at-all\n' >"$wrong_file"

# local_status / remote_status [CURL ARGS...] URL: the HTTP status of the request, from this host
# or from the other one (000 when unreachable).
local_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
remote_status() { ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
remote=(ip netns exec "$ns")

# 1. No token: this host is answered, the other host refused with 403.
port1=$((BASE + 11))
start_electord "$DIR/open.log" --name open --listen "127.0.0.1:$((BASE + 1))" \
  --control "0.0.0.0:$port1" --cookie-file "$secret"
until_true 10000 curl -sf "http://127.0.0.1:$port1/v1/leader" || fail "no control API on $port1"
[ "$(local_status "http://127.0.0.1:$port1/v1/leader")" = 200 ] || fail "this host refused"
code=$(remote_status "http://$subnet.1:$port1/v1/leader")
[ "$code" = 403 ] || fail "another host without a token got $code, not 403"
code=$(remote_status -X POST "http://$subnet.1:$port1/v1/clear-leader")
[ "$code" = 403 ] || fail "another host cleared the leader: $code"
code=$(remote_status -H "Authorization: Bearer a-control-token-of-some-length" \
  "http://$subnet.1:$port1/v1/leader")
[ "$code" = 403 ] || fail "a token was accepted by a node that has none: $code"
grep -q "without control_token_file it answers only clients of this host" "$DIR/open.log" ||
  fail "no warning about the open address"

# 2. With a token: the other host is answered only with it; this host as before.
port2=$((BASE + 12))
start_electord "$DIR/token.log" --name tokened --listen "127.0.0.1:$((BASE + 2))" \
  --control "0.0.0.0:$port2" --cookie-file "$secret" --control-token-file "$token_file"
until_true 10000 curl -sf "http://127.0.0.1:$port2/v1/leader" || fail "no control API on $port2"
[ "$(local_status "http://127.0.0.1:$port2/v1/leader")" = 200 ] || fail "this host refused"
code=$(remote_status "http://$subnet.1:$port2/v1/leader")
[ "$code" = 401 ] || fail "another host without the token got $code, not 401"
code=$(remote_status -H "Authorization: Bearer not-the-control-token-at-all" \
  "http://$subnet.1:$port2/v1/leader")
[ "$code" = 401 ] || fail "a wrong token got $code, not 401"
code=$(remote_status -H "Authorization: Bearer a-control-token-of-some-length" \
  "http://$subnet.1:$port2/v1/leader")
[ "$code" = 200 ] || fail "the right token got $code, not 200"

# electorctl from the other host: refused without the token file, answered with it.
if "${remote[@]}" "$CTL" --control "$subnet.1:$port2" members >"$DIR/ctl.out" 2>&1; then
  fail "electorctl without a token was answered"
fi
grep -q "401" "$DIR/ctl.out" || fail "electorctl did not say why: $(cat "$DIR/ctl.out")"
"${remote[@]}" "$CTL" --control "$subnet.1:$port2" --token-file "$wrong_file" members \
  >/dev/null 2>&1 && fail "electorctl with a wrong token was answered"
"${remote[@]}" "$CTL" --control "$subnet.1:$port2" --token-file "$token_file" members |
  grep -q tokened || fail "electorctl with the token was not answered"
ELECTOR_CONTROL_TOKEN_FILE="$token_file" "${remote[@]}" "$CTL" --control "$subnet.1:$port2" \
  members | grep -q tokened || fail "ELECTOR_CONTROL_TOKEN_FILE was not used"
echo "PASS"
