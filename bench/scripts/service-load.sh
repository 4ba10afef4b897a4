#!/bin/bash
# Starts `edgebook up` from JAR on PORT with a fresh data directory under /tmp/m/NAME, runs `edgebook load` (this
# checkout's jar) against it with the demo accounts' keys and the given load arguments, stops it, and prints the
# summary. Used for BENCHMARKS.md (issue 10) to run the old and the new server with the same load generator:
#   bench/scripts/service-load.sh new cli/target/edgebook.jar 18091 --target both --rate max --duration 12 --warmup 8
# usage: http.sh NAME JAR PORT [load args...]
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
NAME=$1; JAR=$2; PORT=$3; shift 3
D=/tmp/m/$NAME; rm -rf $D; mkdir -p $D
$J -XX:+UseZGC --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar $JAR up --data $D/data --key-file $D/master.key --port $PORT > $D/up.out 2> $D/up.err &
PID=$!
for i in $(seq 1 100); do grep -q "^Try:" $D/up.out && break; sleep 0.2; done
KEYS=$(grep -E "^\s+(alice|bob)\s+key" $D/up.out | awk '{print $3":"$5}' | paste -sd, -)
$J -XX:+UseZGC --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar $(cd "$(dirname "$0")/../.." && pwd)/cli/target/edgebook.jar load --url http://127.0.0.1:$PORT --key $KEYS "$@" > $D/load.out 2>&1
kill $PID; wait $PID 2>/dev/null
echo "== $NAME"; grep -iE "health|orders|ratio|p99|answered|throughput|error" $D/load.out | head -30
