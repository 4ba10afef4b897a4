#!/bin/bash
# The control plane under a simulated fleet, on one machine: edgebook control (embedded H2, or PostgreSQL) and
# edgebook fleet with NODES simulated agents heartbeating every INTERVAL seconds.
#   [STORE=postgres] [MAXHB=N] [CONTROL_OPTS=...] bench/scripts/fleet.sh NODES [DURATION] [INTERVAL]
# DURATION counts from the end of enrollment. MAXHB (default 10000) is the control plane's
# --max-heartbeats-per-second: the interval is stretched past it; set it high to hold the interval whatever the fleet.
# Prints the fleet's periodic lines and its totals; the JSON report is /tmp/fleetbench/report.json. The control
# plane's CPU time is printed at the end (from /proc), beside the simulator's.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAR=$ROOT/cli/target/edgebook.jar
NODES=$1; DURATION=${2:-60}; INTERVAL=${3:-10}; STORE=${STORE:-embedded}; MAXHB=${MAXHB:-10000}
CP=18070
D=/tmp/fleetbench; pkill -f -- "--data $D/" ; sleep 0.5; rm -rf $D; mkdir -p $D
DB=()
if [ "$STORE" = postgres ]; then
  bash "$ROOT/.ci/postgres-up" 2>/dev/null
  NAME=fleetbench_$(date +%s)
  PGPASSWORD=edgebook psql -q -h 127.0.0.1 -U edgebook -d postgres -c "CREATE DATABASE $NAME" || exit 1
  DB=(--db "jdbc:postgresql://127.0.0.1:5432/$NAME?user=edgebook&password=edgebook")
fi
$J -XX:+UseParallelGC -Xmx2g ${CONTROL_OPTS:-} -jar $JAR control --port $CP --data $D/control "${DB[@]}" \
   --heartbeat-interval "$INTERVAL" --max-heartbeats-per-second "$MAXHB" > $D/control.out 2> $D/control.err &
CONTROL=$!
for i in $(seq 1 150); do grep -q "operator key" $D/control.out && break; sleep 0.2; done
$J -XX:+UseParallelGC -Xmx2g -jar $JAR fleet --control http://127.0.0.1:$CP --operator-key $D/control/operator-key \
   --nodes "$NODES" --duration "$DURATION" --report $D/report.json 2>&1 | grep -v SLF4J &
FLEET=$!
wait $FLEET
ticks=$(getconf CLK_TCK)
read -r cu cs < <(awk '{print $14, $15}' /proc/$CONTROL/stat)
echo "control plane CPU: $(( (cu + cs) / ticks )) s (user $((cu / ticks)) s, system $((cs / ticks)) s) over its life"
kill $CONTROL; wait $CONTROL 2>/dev/null
