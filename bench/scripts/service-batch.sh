#!/bin/bash
# As service-load.sh, for `edgebook bench batch` (batches of 50,000 resting orders by bob):
#   bench/scripts/service-batch.sh new cli/target/edgebook.jar 18098
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
NAME=$1; JAR=$2; PORT=$3
D=/tmp/m/$NAME; rm -rf $D; mkdir -p $D
$J -XX:+UseZGC --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar $JAR up --data $D/data --key-file $D/master.key --port $PORT > $D/up.out 2> $D/up.err &
PID=$!
for i in $(seq 1 100); do grep -q "^Try:" $D/up.out && break; sleep 0.2; done
BOB=$(grep -E "^\s+bob\s+key" $D/up.out | awk '{print $3":"$5}')
$J -XX:+UseZGC --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar $(cd "$(dirname "$0")/../.." && pwd)/cli/target/edgebook.jar bench batch --url http://127.0.0.1:$PORT --key $BOB --account bob --size 50000 --warmup 3 --batches 6 > $D/batch.out 2>&1
kill $PID; wait $PID 2>/dev/null
echo "== $NAME"; cat $D/batch.out
