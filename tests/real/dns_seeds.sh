#!/usr/bin/env bash
# Seeds from DNS, against a real DNS server (dnsmasq) in a network namespace that the test
# creates, whose resolv.conf (/etc/netns/NS/resolv.conf) names it:
#   1. n1 and n2 start seeded by peers.elector.test:7946, a name that has no record yet: each is
#      alone. The name then gets two A records (n1's and n2's addresses): both look it up again
#      at a later join attempt, and find each other.
#   2. n3 is seeded by srv:_gossip._tcp.elector.test, an SRV record whose target (seed.elector.test,
#      at the record's port) holds n2's address: n3 joins, and the three agree on one leader.
#   3. peers.elector.test is changed to n3's address alone; n4, seeded by it, joins through n3.
source "$(dirname "$0")/lib.sh"
skip_unless_root "a network namespace with its own DNS server"
require_tools ip dnsmasq

NS="elector-dns-$$"
in_ns() { ip netns exec "$NS" "$@"; }
remove_ns() {
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS"
}
trap 'cleanup; remove_ns' EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "/etc/netns/$NS"
# One quick try per query: a DNS server that answers nothing costs the worker thread 1 s.
printf 'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS/resolv.conf"

HOSTS="$DIR/hosts"
: >"$HOSTS"
# Local data only (no upstream, no /etc/hosts), a TTL of 0 so nothing caches an old answer, and
# the hosts file read again on SIGHUP.
ip netns exec "$NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$HOSTS" \
  --listen-address=127.0.0.53 --bind-interfaces --port=53 --local-ttl=0 --user=root \
  --pid-file="$DIR/dnsmasq.pid" --log-facility="$DIR/dnsmasq.log" --log-queries \
  --local=/elector.test/ --srv-host=_gossip._tcp.elector.test,seed.elector.test,7946 &
DNSMASQ=$!
EXTRA_PIDS+=("$DNSMASQ")
set_records() {
  printf '%s\n' "$@" >"$HOSTS"
  kill -HUP "$DNSMASQ"
}
dns_answers() { in_ns getent hosts "$1" | grep -q "$2"; }
# dnsmasq reads the hosts file once it is set up; a SIGHUP before that would go unheard.
until_true 10000 grep -q "read $HOSTS" "$DIR/dnsmasq.log" || fail "dnsmasq did not start"
set_records "127.0.0.99 probe.elector.test"
until_true 10000 dns_answers probe.elector.test 127.0.0.99 || fail "dnsmasq does not answer"

cookie=$(secret_file c "dns-seeds-secret")
addr() { echo "127.0.0.1$1"; }
ctl() { in_ns "$CTL" --control "$(addr "$1"):8946" "${@:2}"; }
start() {  # K SEEDS: node nK in the namespace (`ip netns exec` execs, so $! is electord)
  ip netns exec "$NS" "$ELECTORD" --state-dir "$DIR/state" --name "n$1" --listen "$(addr "$1"):7946" \
    --control "$(addr "$1"):8946" --cookie-file "$cookie" --election-delay 200 --seeds "$2" \
    >"$DIR/n$1.log" 2>&1 &
  EXTRA_PIDS+=($!)
}

alive_members() {  # K: how many members node K sees alive
  ctl "$1" members 2>/dev/null | grep -c alive || true
}
sees() {  # K N: node K sees N members alive
  [ "$(alive_members "$1")" -eq "$2" ]
}
agree() {  # K...: the nodes name one leader, and each sees all of them alive
  local first="" l k
  for k in "$@"; do
    l=$(ctl "$k" leader) || return 1
    [ -n "$first" ] || first=$l
    [ "$l" = "$first" ] || return 1
    sees "$k" $# || return 1
  done
}

set_records
start 1 peers.elector.test:7946
start 2 peers.elector.test:7946
until_true 10000 ctl 1 status || fail "n1 does not answer"
until_true 10000 ctl 2 status || fail "n2 does not answer"
sees 1 1 && sees 2 1 || fail "n1 and n2 found each other before the name had records"

set_records "127.0.0.11 peers.elector.test" "127.0.0.12 peers.elector.test"
until_true 20000 agree 1 2 || fail "n1 and n2 did not find each other once peers.elector.test had records"
echo "step 1: n1 and n2 joined once the name had its records"

set_records "127.0.0.11 peers.elector.test" "127.0.0.12 peers.elector.test" \
  "127.0.0.12 seed.elector.test"
start 3 srv:_gossip._tcp.elector.test
until_true 20000 agree 1 2 3 || fail "n3 did not join through the SRV record"
echo "step 2: n3 joined through srv:_gossip._tcp.elector.test"

set_records "127.0.0.13 peers.elector.test" "127.0.0.12 seed.elector.test"
start 4 peers.elector.test:7946
until_true 20000 agree 1 2 3 4 || fail "n4 did not join through the changed record"
grep -q "peers.elector.test" "$DIR/dnsmasq.log" || fail "dnsmasq logged no query for the seed name"
leaders=0
for k in 1 2 3 4; do ctl "$k" is-leader >/dev/null && leaders=$((leaders + 1)); done
[ "$leaders" -eq 1 ] || fail "$leaders nodes say they lead"
echo "step 3: n4 joined through peers.elector.test changed to n3's address"
echo "PASS"
