#!/bin/bash
# The transaction path on one machine: settlement (edgebook up), one edge node joined to it (screening with the
# bundled WebAssembly function), and edgebook load sending signed transfers to the edge node at a constant rate.
#   [SCREENING=native] bench/scripts/tx-path.sh RATE [DURATION] [TX_PER_REQUEST] [CONNECTIONS] [OUTAGE_SECONDS]
# Prints the load generator's report (the edge's 202s), then how long the forwarder took to settle everything after
# the load stopped, and the edge's end-to-end latency (received at the edge to settled) and counters. With
# OUTAGE_SECONDS, settlement is stopped for the first OUTAGE_SECONDS of the load and started again: the catch-up.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAR=$ROOT/cli/target/edgebook.jar
RATE=$1; DURATION=${2:-20}; BATCH=${3:-1}; CONNECTIONS=${4:-32}; OUTAGE=${5:-0}
SP=18080; EP=18090
D=/tmp/txpath; pkill -f -- "--data $D/" ; sleep 0.5; rm -rf $D; mkdir -p $D
JOPTS="-XX:+UseZGC --add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
up() { $J $JOPTS -jar $JAR up --data $D/settle --key-file $D/master.key --port $SP >> $D/up.out 2>> $D/up.err & UP=$!
       for i in $(seq 1 150); do grep -q "^Try:" $D/up.out && break; sleep 0.2; done; }
up
ADMIN=$(grep -E "^\s+admin\s+key" $D/up.out | awk '{print $3" "$5}')
KEY=${ADMIN% *}; SECRET=${ADMIN#* }
admin() { # METHOD PATH BODY
  local ts; ts=$(date +%s%3N)
  local sig; sig=$(printf '%s' "${ts}$1$2$3" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')
  curl -s -X "$1" "http://127.0.0.1:$SP$2" -H "EB-KEY: $KEY" -H "EB-TIMESTAMP: $ts" -H "EB-SIGNATURE: $sig" -d "$3"; echo; }
for k in node alice bob; do $J -jar $JAR sign --new-key $D/$k.pem --account $k > $D/$k.reg 2>/dev/null; done
admin POST /v1/admin/nodes "{\"node\":\"bench-1\",\"publicKey\":$(sed 's/.*"publicKey":\("[^"]*"\).*/\1/' $D/node.reg)}" > $D/reg.out
admin POST /v1/admin/keys "$(cat $D/alice.reg)" >> $D/reg.out
admin POST /v1/admin/keys "$(cat $D/bob.reg)" >> $D/reg.out
cat > $D/edge.json <<JSON
{"host": "127.0.0.1", "port": $EP, "routes": [{"path": "/native/transform", "native": "transform"}],
 "transactions": {$( [ "${SCREENING:-wasm}" = native ] && echo '"screening": {"native": "screening"},')$( [ -n "${SCREENING_LIMITS:-}" ] && echo "\"screening\": {\"module\": \"bundled:screening-memory.wasm\", \"convention\": \"memory\", \"limits\": $SCREENING_LIMITS},")
   "screeningConfig": {"holdScore": 1001, "rejectScore": 1001,
   "assets": {"USD": {"decimals": 6, "maxAmount": "1000000", "maxCountMinute": 999999999, "maxAmountMinute": "1000000000000",
                      "maxCountHour": 999999999, "maxAmountHour": "1000000000000"}}}}}
JSON
$J $JOPTS ${EDGE_OPTS:-} -Xmx1g -jar $JAR edge --config $D/edge.json --settlement http://127.0.0.1:$SP --node-id bench-1 \
  --node-key $D/node.pem --data $D/edge > $D/edge.out 2> $D/edge.err &
EDGE=$!
for i in $(seq 1 150); do grep -q "operator key" $D/edge.out && break; sleep 0.2; done
for i in $(seq 1 100); do # the node's first key refresh
  curl -s http://127.0.0.1:$EP/metrics | grep -qE '^edge_client_keys_refresh_age_seconds [0-9]' && break; sleep 0.1; done
if [ "$OUTAGE" -gt 0 ]; then kill $UP; wait $UP 2>/dev/null; (sleep $((OUTAGE + 5)); up; echo "settlement back at $(date +%s%3N)" > $D/back) & fi
if [ -n "${HEALTH_FIRST:-}" ]; then # the edge node's HTTP ceiling at the same rate, in the same run
  $J $JOPTS -jar $JAR load --target health --url http://127.0.0.1:$EP --rate $RATE --duration $DURATION --warmup 5 \
    --connections $CONNECTIONS 2>/dev/null | grep -E '^health:'
fi
$J $JOPTS -jar $JAR load --target tx --edge http://127.0.0.1:$EP --client-key alice=$D/alice.pem \
  --client-key bob=$D/bob.pem --rate $RATE --duration $DURATION --warmup 5 --connections $CONNECTIONS \
  --tx-batch $BATCH > $D/load.out 2> $D/load.err
STOP=$(date +%s%3N)
cat $D/load.out
metric() { curl -s http://127.0.0.1:$EP/metrics | grep -E "^$1" ; }
for i in $(seq 1 600); do
  Q=$(curl -s http://127.0.0.1:$EP/metrics | awk '/^edge_outbox_depth\{state="(queued|forwarded)"/ {s+=$2} END {print s+0}')
  [ "${Q%.*}" = "0" ] && break; sleep 0.1; done
DONE=$(date +%s%3N)
[ -f $D/back ] && echo "$(cat $D/back); backlog settled $(( DONE - $(cat $D/back | awk '{print $4}') )) ms after settlement came back"
echo "the edge's queue was empty $(( DONE - STOP )) ms after the load stopped"
metric 'edge_tx_settled_after'
metric 'edge_tx_taken_total'; metric 'edge_tx_refused_total'; metric 'edge_forward_(batches|transactions|settled|rejected|retries|gaps)_total'
metric 'edge_outbox_depth'
kill $EDGE; wait $EDGE 2>/dev/null; kill $UP 2>/dev/null; pkill -f -- "--data $D/settle"; wait 2>/dev/null
