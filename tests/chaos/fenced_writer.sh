#!/usr/bin/env bash
# The fenced writer (examples/fenced_writer.*) on a real PostgreSQL, under a chaos run:
#
#   tests/chaos/fenced_writer.sh ROOT BIN [--duration S] [--seed N] [--report FILE]
#
# Starts PostgreSQL (Debian's postgresql) in a temporary directory as the postgres user, loads the
# journal and its fence, then runs ./chaos.sh on 5 electord with `electorctl run -- fenced-writer`
# next to each (kill -9, SIGSTOP of electord or of the whole node, SIGTERM, restarts, partitions).
# Fails unless: the chaos checker passes; no row from a stale term is in the journal; one node
# wrote in each term; every row PostgreSQL acknowledged is in the journal; the writes went on.
# Prints (and with --report writes as JSON) the figures: rows, terms, stale writes refused by the
# fence, and stale rows that the unfenced copy holds. Stops every process it started, by PID.
set -euo pipefail
ROOT="$(cd "$1" && pwd)"
BIN="$(cd "$2" && pwd)"
shift 2
duration=60 seed=7 report=""
while (($#)); do
  case "$1" in
    --duration) duration="$2" && shift 2 ;;
    --seed) seed="$2" && shift 2 ;;
    --report) report="$2" && shift 2 ;;
    *) echo "fenced_writer.sh: unknown argument $1" >&2 && exit 2 ;;
  esac
done

DIR="$(mktemp -d "${TMPDIR:-/tmp}/elector-fenced.XXXXXX")"
chmod 755 "$DIR"
PG_PID=""
# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}
cleanup() {
  if [ -n "$PG_PID" ]; then
    kill -INT "$PG_PID" 2>/dev/null || true  # fast shutdown
    for _ in $(seq 100); do alive "$PG_PID" || break; sleep 0.1; done
    kill -9 "$PG_PID" 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_TEST_DIR:-}" = "" ]; then rm -rf "$DIR"; else echo "kept $DIR"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$DIR/pg/server.log" ] && tail -n 20 "$DIR/pg/server.log" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces for the partitions; PostgreSQL runs as the postgres user)"
[ -x "$BIN/fenced-writer" ] || fail "no $BIN/fenced-writer: it needs libpq-dev (scripts/install-deps.sh installs it)"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$PGBIN" ] && [ -x "$PGBIN/postgres" ] ||
  fail "no PostgreSQL server in /usr/lib/postgresql (Debian's postgresql; scripts/install-deps.sh installs it)"
id postgres >/dev/null 2>&1 || fail "no postgres user (Debian's postgresql-common creates it)"
PSQL="$PGBIN/psql"
[ -x "$PSQL" ] || PSQL=psql

# PostgreSQL refuses to run as root: it runs as the postgres user, on a unix socket in its own
# directory (no TCP port). The run does not crash the database, so it need not sync to disk.
PG="$DIR/pg"
mkdir -p "$PG"
chown postgres: "$PG"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_pg "$PGBIN/initdb" -D "$PG/data" -U elector -A trust -E UTF8 --no-sync >"$DIR/initdb.log" 2>&1 ||
  fail "initdb: $(tail -n 5 "$DIR/initdb.log")"
as_pg "$PGBIN/postgres" -D "$PG/data" -k "$PG" -c listen_addresses= -c fsync=off \
  -c full_page_writes=off -c max_connections=50 >"$PG/server.log" 2>&1 &
PG_PID=$!
export PGHOST="$PG" PGUSER=elector PGDATABASE=postgres
for _ in $(seq 300); do
  "$PGBIN/pg_isready" -q && break
  alive "$PG_PID" || fail "PostgreSQL did not start"
  sleep 0.1
done
"$PGBIN/pg_isready" -q || fail "PostgreSQL is not ready after 30 s"
"$PSQL" -q -v ON_ERROR_STOP=1 -f "$ROOT/examples/fenced_writer.sql" >/dev/null ||
  fail "cannot load examples/fenced_writer.sql"
q() { "$PSQL" -X -A -t -v ON_ERROR_STOP=1 -c "$1"; }

chaos_rc=0
"$ROOT/chaos.sh" --bin "$BIN" --dir "$DIR/chaos" --nodes 5 --duration "$duration" --seed "$seed" \
  --heartbeat-interval 100 \
  --workload "exec '$BIN/fenced-writer' --acks '$DIR/acks'" || chaos_rc=$?
[ "$chaos_rc" -eq 0 ] || fail "the chaos run failed (exit $chaos_rc): see its report above"

touch "$DIR/acks"
"$PSQL" -q -X -v ON_ERROR_STOP=1 \
  -c "CREATE TABLE acks (term bigint, node text, pid int, seq bigint)" \
  -c "\\copy acks FROM '$DIR/acks' WITH (FORMAT text, DELIMITER ' ')" >/dev/null ||
  fail "cannot load the acknowledgements"
rows=$(q "SELECT count(*) FROM journal")
terms=$(q "SELECT count(DISTINCT term) FROM journal")
nodes=$(q "SELECT count(DISTINCT node) FROM journal")
acked=$(q "SELECT count(*) FROM acks")
# A row is stale when a row of a higher term was let in before it.
stale_stored=$(q "SELECT count(*) FROM (SELECT term, max(term) OVER (ORDER BY pos ROWS BETWEEN
  UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM journal) x WHERE term < before")
shared_terms=$(q "SELECT count(*) FROM (SELECT term FROM journal GROUP BY term
  HAVING count(DISTINCT node) > 1) x")
lost=$(q "SELECT count(*) FROM acks a WHERE NOT EXISTS (SELECT 1 FROM journal j
  WHERE (j.term, j.node, j.pid, j.seq) = (a.term, a.node, a.pid, a.seq))")
refused=$(q "SELECT count(*) FROM journal_refused")
refused_writers=$(q "SELECT count(DISTINCT (node, pid)) FROM journal_refused")
arrivals=$(q "SELECT count(*) FROM journal_unfenced")
stale_unfenced=$(q "SELECT count(*) FROM (SELECT term, max(term) OVER (ORDER BY arrival ROWS BETWEEN
  UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM journal_unfenced) x WHERE term < before")
freezes=$(grep -c '"fault":"freeze"' "$DIR/chaos/faults.jsonl" || true)
whole=$(grep -c '"whole_node":true' "$DIR/chaos/faults.jsonl" || true)
kills=$(grep '"fault":"kill"' "$DIR/chaos/faults.jsonl" | grep -vc '"why"' || true)

echo "fenced writer, seed $seed, ${duration} s: $rows rows in $terms terms by $nodes nodes;" \
  "$acked acknowledged, $lost lost; $stale_stored stale rows stored;" \
  "the fence refused $refused stale writes (from $refused_writers writers);" \
  "without it the journal would hold $stale_unfenced stale rows;" \
  "faults: $freezes freezes ($whole of the whole node), $kills kills"
if [ -n "$report" ]; then
  cat >"$report" <<JSON
{"seed": $seed, "duration_s": $duration, "rows": $rows, "terms": $terms, "nodes": $nodes,
 "acknowledged": $acked, "lost": $lost, "stale_rows_stored": $stale_stored,
 "terms_shared_by_nodes": $shared_terms, "arrivals": $arrivals, "refused": $refused,
 "refused_writers": $refused_writers, "stale_rows_without_fence": $stale_unfenced,
 "freezes": $freezes, "whole_node_freezes": $whole, "kills": $kills}
JSON
fi

[ "$stale_stored" -eq 0 ] || fail "$stale_stored rows of a stale term are in the journal"
[ "$shared_terms" -eq 0 ] || fail "$shared_terms terms were written by more than one node"
[ "$lost" -eq 0 ] || fail "$lost acknowledged rows are not in the journal"
[ "$rows" -eq "$acked" ] || [ "$rows" -gt "$acked" ] ||
  fail "fewer rows ($rows) than acknowledgements ($acked)"
[ "$stale_unfenced" -eq "$refused" ] ||
  fail "the unfenced copy holds $stale_unfenced stale rows, the fence refused $refused"
[ "$terms" -ge 2 ] || fail "the writes never moved to a new term ($terms term)"
# The writes go on after the faults: a row stored in the last quiet period's final seconds.
recent=$(q "SELECT count(*) FROM journal WHERE at > clock_timestamp() - interval '30 seconds'")
[ "$recent" -gt 0 ] || fail "no row was stored in the last 30 s: the writes stopped"
echo PASS
