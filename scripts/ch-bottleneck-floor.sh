#!/usr/bin/env bash
# The floor of the ClickHouse bottleneck answer (docs/benchmarks.md): its
# three statements with no deduplication, run at once as the endpoint runs
# them, against a database loaded by `deskmine bench query --keep`.
# Usage: scripts/ch-bottleneck-floor.sh [database] [runs]
set -euo pipefail
db=${1:-deskmine_bench_query}
runs=${2:-20}
w="start_at >= toDateTime('2025-10-08 00:00:00') AND start_at < toDateTime('2026-01-06 00:00:00')
   AND toDate(start_at) >= toDate('2025-10-08') AND toDate(start_at) <= toDate('2026-01-06')"
q() { clickhouse-client -d "$db" -q "$1 FORMAT Null"; }
statements() {
	q "SELECT team, status, sum(duration_ms), count(), quantileExact(0.5)(duration_ms)
	   FROM intervals PREWHERE closed = 1 WHERE $w GROUP BY team, status" &
	q "SELECT dim, k1, k2, uniqExact(ticket_id), count() FROM (
	     SELECT ticket_id, bounce,
	            arrayJoin([('all', '', ''), ('product', product, ''), ('category', category, ''),
	                       ('pair', if(team < prev_team, team, prev_team), if(team < prev_team, prev_team, team)), ('bounced', '', '')]) AS d,
	            tupleElement(d, 1) AS dim, tupleElement(d, 2) AS k1, tupleElement(d, 3) AS k2
	     FROM intervals PREWHERE handoff = 1 WHERE $w)
	   WHERE bounce = 1 OR dim IN ('all', 'product', 'category') GROUP BY dim, k1, k2" &
	q "SELECT ticket_id, count() AS n FROM intervals PREWHERE bounce = 1 WHERE $w
	   GROUP BY ticket_id ORDER BY n DESC, ticket_id LIMIT 20" &
	wait_all
}
# wait_all fails when any background statement failed.
wait_all() { local rc=0; for j in $(jobs -p); do wait "$j" || rc=1; done; return $rc; }
baseline() { q "SELECT 1" & q "SELECT 1" & q "SELECT 1" & wait_all; }
measure() {
	for _ in $(seq "$runs"); do
		s=$(date +%s%N); "$1" || { echo "$1 failed" >&2; exit 1; }; e=$(date +%s%N)
		echo $(((e - s) / 1000000))
	done | sort -n | awk -v name="$1" '{v[NR]=$1} END {if (NR) printf "%-10s median %d ms  p95 %d ms  (%d runs)\n", name, v[int((NR+1)/2)], v[int(NR*0.95+0.999)], NR}'
}
measure statements
measure baseline
