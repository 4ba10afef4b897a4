#!/usr/bin/env bash
# Runs the GraalWasm benchmark / checks with the optimizing Truffle runtime on a stock JDK 25.
# Build first:  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ../../mvnw -B package   (from bench/graalwasm)
# Usage:
#   ./run.sh [JMH args]                 JMH (org.openjdk.jmh.Main), e.g. ./run.sh -f 1 -wi 5 -i 5 -w 2 -r 2
#   ./run.sh --main CLASS [args]        another main, e.g. ./run.sh --main org.edgebook.bench.graalwasm.Verify
#   GRAAL_INTERPRETER=1 ./run.sh ...    without JVMCI/Graal (Truffle interpreter-only fallback), for comparison
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp="$here/target/classes:$here/target/lib/*"
# the native Java functions, for the byte-for-byte check and the nativeJava benchmark (optional)
edge="$here/../../edge/target/classes"
[[ -d "$edge" ]] && cp="$cp:$edge"
flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
if [[ -z "${GRAAL_INTERPRETER:-}" ]]; then
    # the optimizing runtime: JVMCI on, Graal compiler (+ truffle-compiler, word, collections) upgraded in
    flags+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$here/target/compiler")
else
    flags+=(-Dgraalwasm.allowInterpreter=true)
fi
flags+=(-Dedgebook.guests="$here/../../guests/wasm" ${JAVA_OPTS:-})
main=org.openjdk.jmh.Main
if [[ "${1:-}" == "--main" ]]; then
    main="$2"
    shift 2
fi
# JMH forks inherit these JVM flags (the fork's command line is the parent's input arguments + @Fork jvmArgsAppend)
exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$cp" "$main" "$@"
