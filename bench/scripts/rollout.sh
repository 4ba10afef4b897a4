#!/bin/bash
# A rollout over a simulated fleet, on one machine: edgebook control (embedded store), edgebook fleet with NODES
# simulated nodes (transform@1.2.0 marked bad: 20% errors, 4x the p99), a publisher, three signed versions of the
# transform module and group "edge". Then two rollouts with no shadow stage and the default waves (1, 10, 50, 100%):
# to 1.1.0 (good; the time to complete against the soak times), and to 1.2.0 (bad; the time from the first wave to
# the rollback, against the heartbeat interval).
#   [MAXHB=N] bench/scripts/rollout.sh NODES [SOAK_SECONDS] [INTERVAL_SECONDS]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAR=$ROOT/cli/target/edgebook.jar
NODES=$1; SOAK=${2:-30}; INTERVAL=${3:-10}; MAXHB=${MAXHB:-10000}
CP=18070; URL=http://127.0.0.1:$CP
D=/tmp/rolloutbench; pkill -f -- "--data $D/" ; pkill -f -- "--report $D/"; sleep 0.5; rm -rf $D; mkdir -p $D
$J -XX:+UseParallelGC -Xmx2g -jar $JAR control --port $CP --data $D/control --heartbeat-interval "$INTERVAL" \
   --max-heartbeats-per-second "$MAXHB" > $D/control.out 2> $D/control.err &
CONTROL=$!
for i in $(seq 1 150); do grep -q "operator key" $D/control.out && break; sleep 0.2; done
read -r KEY SECRET < $D/control/operator-key
eb() {
  local method=$1 path=$2 body=${3:-} ts sig
  ts=$(date +%s%3N)
  sig=$(printf '%s%s%s%s' "$ts" "$method" "$path" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
  curl -s -X "$method" "$URL$path" -H "EB-KEY: $KEY" -H "EB-TIMESTAMP: $ts" -H "EB-SIGNATURE: $sig" \
       ${body:+-H 'Content-Type: application/json' --data "$body"}; echo
}
now() { date +%s%3N; }
PUB=$($J -jar $JAR sign --new-key $D/acme.pem 2>/dev/null | sed 's/.*"publicKey":"\([^"]*\)".*/\1/')
KEYID=$(eb POST /v1/publishers "{\"publisher\":\"acme\",\"publicKey\":\"$PUB\"}" | sed 's/.*"keyId":"\([^"]*\)".*/\1/')
echo "acme $PUB" > $D/trust.txt
for v in 1.0.0 1.1.0 1.2.0; do
  echo "{\"name\":\"transform\",\"version\":\"$v\",\"convention\":\"MEMORY\",\"limits\":{\"memoryPages\":96,\"concurrency\":2}}" > $D/m.json
  eb POST /v1/modules "$($J -jar $JAR publish --key $D/acme.pem --key-id $KEYID --manifest $D/m.json $ROOT/guests/wasm/transform-memory.wasm)" > /dev/null
done
eb PUT /v1/groups/edge '{"selector":{"tier":"edge"},"priority":0,"routes":[{"path":"/wasm/transform","module":"transform","version":"1.0.0"}]}' > /dev/null
$J -XX:+UseParallelGC -Xmx2g -jar $JAR fleet --control $URL --operator-key $D/control/operator-key --nodes "$NODES" \
   --labels tier=edge --trust $D/trust.txt --bad-version transform@1.2.0 --duration 0 --report $D/report.json \
   > $D/fleet.out 2>&1 &
FLEET=$!
count() { eb GET '/v1/nodes/counts?by=version' | sed -n "s/.*\"transform@$1\":\([0-9]*\).*/\1/p"; }
until [ "$(count 1.0.0)" = "$NODES" ]; do sleep 2; done
echo "$(date -u +%T) all $NODES nodes run transform@1.0.0"
awaitEnd() { # prints the final rollout JSON
  while :; do
    local r; r=$(eb GET /v1/rollouts/$1)
    case "$r" in *'"state":"wave"'*|*'"state":"shadow"'*|*'"state":"paused"'*) sleep 1 ;; *) echo "$r"; return ;; esac
  done
}
T0=$(now)
R=$(eb POST /v1/rollouts "{\"group\":\"edge\",\"path\":\"/wasm/transform\",\"to\":\"1.1.0\",\"soakSeconds\":$SOAK,\"shadow\":null}" | sed 's/.*"id":"\([^"]*\)".*/\1/')
END=$(awaitEnd $R); T1=$(now)
echo "good rollout $R: $(echo "$END" | sed 's/.*"state":"\([^"]*\)".*/\1/') in $(( (T1 - T0) / 1000 )) s; soak times $((4 * SOAK)) s; overhead $(( (T1 - T0) / 1000 - 4 * SOAK )) s"
echo "$END" | grep -o '"waveNodes":\[[^]]*\]'
until [ "$(count 1.1.0)" = "$NODES" ]; do sleep 1; done
echo "$(date -u +%T) all $NODES nodes run transform@1.1.0"
R=$(eb POST /v1/rollouts "{\"group\":\"edge\",\"path\":\"/wasm/transform\",\"to\":\"1.2.0\",\"soakSeconds\":$SOAK,\"shadow\":null}" | sed 's/.*"id":"\([^"]*\)".*/\1/')
END=$(awaitEnd $R)
STARTED=$(echo "$END" | sed 's/.*"waveNodes":\[{[^}]*"startedAt":\([0-9]*\).*/\1/')
ENDED=$(echo "$END" | sed 's/.*"updatedAt":\([0-9]*\).*/\1/')
TOLD=$(eb GET /v1/nodes/n-1 | sed 's/.*"intervalMs":\([0-9]*\).*/\1/')
echo "bad rollout $R: $(echo "$END" | sed 's/.*"state":"\([^"]*\)".*/\1/') $(( ENDED - STARTED )) ms after its first wave began; the interval told: $TOLD ms"
echo "$END" | grep -o '"reason":{.*' | cut -c1-400
kill $FLEET; wait $FLEET 2>/dev/null
kill $CONTROL; wait $CONTROL 2>/dev/null
grep "heartbeats sent" $D/fleet.out | tail -3 | cut -c1-250
