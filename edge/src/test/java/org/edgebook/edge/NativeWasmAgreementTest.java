package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.functions.TelemetryFunction;
import org.edgebook.edge.functions.TransformFunction;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestResult;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The native functions and their WebAssembly builds (both conventions) give the same status and the same bytes on a
 * seeded random corpus that includes broken requests. A failure prints the request, so it can be replayed by hand.
 */
class NativeWasmAgreementTest {
    private static final long RECEIVED_AT = 1_795_338_000_250L;
    private static final ModuleCache CACHE = new ModuleCache();
    private static Watchdog watchdog;
    private static final List<SandboxedFunction> FUNCTIONS = new ArrayList<>();

    @BeforeAll
    static void start() {
        watchdog = new Watchdog();
    }

    @AfterAll
    static void stop() {
        FUNCTIONS.forEach(SandboxedFunction::close);
        watchdog.close();
    }

    private static SandboxedFunction wasm(final String guest, final Convention convention) throws Exception {
        final SandboxedFunction f = SandboxedFunction.create(guest, CACHE.load(Guests.read(guest),
                ExecutionMode.COMPILED), convention, Limits.DEFAULT, Map.of(), (fn, sha, id, text) -> {}, watchdog);
        FUNCTIONS.add(f);
        return f;
    }

    @Test
    void transformAgreesOnRandomRequests() throws Exception {
        agree(new TransformFunction(), wasm(Guests.TRANSFORM_MEMORY, Convention.MEMORY),
                new Corpus(1).transformRequests(20_000));
    }

    @Test
    void transformWagiAgreesOnRandomRequests() throws Exception {
        agree(new TransformFunction(), wasm(Guests.TRANSFORM_WAGI, Convention.WAGI),
                new Corpus(2).transformRequests(1_500));
    }

    @Test
    void telemetryAgreesOnRandomRequests() throws Exception {
        agree(new TelemetryFunction(), wasm(Guests.TELEMETRY_MEMORY, Convention.MEMORY),
                new Corpus(3).telemetryRequests(10_000));
    }

    @Test
    void telemetryWagiAgreesOnRandomRequests() throws Exception {
        agree(new TelemetryFunction(), wasm(Guests.TELEMETRY_WAGI, Convention.WAGI),
                new Corpus(4).telemetryRequests(1_000));
    }

    @Test
    @Tag("slow")
    void bothAgreeOnAMuchLargerCorpus() throws Exception {
        agree(new TransformFunction(), wasm(Guests.TRANSFORM_MEMORY, Convention.MEMORY),
                new Corpus(11).transformRequests(200_000));
        agree(new TelemetryFunction(), wasm(Guests.TELEMETRY_MEMORY, Convention.MEMORY),
                new Corpus(13).telemetryRequests(100_000));
    }

    private static void agree(final EdgeFunction nativeFunction, final SandboxedFunction wasm,
                              final List<byte[]> corpus) throws Exception {
        int errors = 0;
        final List<CompletableFuture<GuestResult>> pending = new ArrayList<>();
        for (int start = 0; start < corpus.size(); start += 256) {
            pending.clear();
            final int end = Math.min(corpus.size(), start + 256);
            for (int i = start; i < end; i++) {
                final byte[] body = corpus.get(i);
                pending.add(wasm.submit(new GuestCall(body, body.length,
                        Map.of("X_REQUEST_TIME_MS", Long.toString(RECEIVED_AT)), "r-" + i, RECEIVED_AT)));
            }
            for (int i = start; i < end; i++) {
                final byte[] body = corpus.get(i);
                final EdgeResponse expected = nativeFunction.handle(new EdgeRequest("POST", "/", null, Map.of(), body,
                        body.length, "r-" + i, RECEIVED_AT));
                final GuestResult actual = pending.get(i - start).get(30, TimeUnit.SECONDS);
                final String request = new String(body, StandardCharsets.UTF_8);
                assertThat(new String(actual.body(), StandardCharsets.UTF_8))
                        .as("answer to request %d: %s", i, request)
                        .isEqualTo(new String(expected.body(), StandardCharsets.UTF_8));
                assertThat(actual.status()).as("status for request %d: %s", i, request).isEqualTo(expected.status());
                if (expected.status() != 200) {
                    errors++;
                }
            }
        }
        // The corpus must exercise the error paths, not only the happy one.
        assertThat(errors).isGreaterThan(corpus.size() / 10);
        assertThat(corpus.size() - errors).isGreaterThan(corpus.size() / 4);
    }
}
