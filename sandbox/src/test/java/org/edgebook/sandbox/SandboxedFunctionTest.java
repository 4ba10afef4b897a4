package org.edgebook.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxedFunctionTest {
    private static final String TRANSFORM_REQUEST = """
        {"user_id":"u-1","events":[{"event_type":"click","timestamp":"2026-11-22T10:00:00.250+01:00",\
        "payload":{"x":1}},{"event_type":"view","timestamp":1795338000000,"payload":[1,2]}],\
        "metadata":{"source":"web","trace_id":"t-9"}}""";

    private final ModuleCache cache = new ModuleCache();
    private final Watchdog watchdog = new Watchdog();
    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final GuestLog log = (function, sha, requestId, text) -> logLines.add(function + " " + sha.substring(0, 12)
            + " " + requestId + " " + text);
    private final List<SandboxedFunction> functions = new ArrayList<>();

    @AfterEach
    void stop() {
        functions.forEach(SandboxedFunction::close);
        watchdog.close();
    }

    private SandboxedFunction function(final String guest, final Convention convention, final Limits limits)
            throws ModuleRejectedException {
        final SandboxedFunction f = SandboxedFunction.create(guest, cache.load(Guests.read(guest),
                ExecutionMode.COMPILED), convention, limits, Map.of("GRANTED", "yes"), log, watchdog);
        functions.add(f);
        return f;
    }

    private static GuestCall call(final String body) {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new GuestCall(bytes, bytes.length, Map.of("REQUEST_METHOD", "POST", "X_REQUEST_ID", "r-1"), "r-1",
                1_795_856_400_250L);
    }

    private static GuestResult answer(final SandboxedFunction f, final String body) throws Exception {
        return f.submit(call(body)).get(30, TimeUnit.SECONDS);
    }

    private static GuestFailure failure(final CompletableFuture<GuestResult> future) throws Exception {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(GuestFailure.class);
            return (GuestFailure) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    private static Limits limits(final int pages, final long deadlineMs, final long cpuMs, final int concurrency,
                                 final int queue, final int reuses) {
        return new Limits(pages, Duration.ofMillis(deadlineMs), Duration.ofMillis(cpuMs), concurrency, queue,
                1 << 20, reuses);
    }

    @Test
    void memoryConventionAnswersTheTransform() throws Exception {
        final GuestResult result = answer(function(Guests.TRANSFORM_MEMORY, Convention.MEMORY, Limits.DEFAULT),
                TRANSFORM_REQUEST);
        assertThat(result.status()).isEqualTo(200);
        assertThat(new String(result.body(), StandardCharsets.UTF_8))
                .startsWith("{\"user_id\":\"u-1\",\"processed_events\":[{\"event_type\":\"click\","
                        + "\"normalized_timestamp\":1795338000250,\"hash\":\"")
                .endsWith("\"total_duration_ms\":250,\"trace_id\":\"t-9\"}");
    }

    @Test
    void wagiConventionGivesTheSameAnswerAsTheMemoryConvention() throws Exception {
        final GuestResult memory = answer(function(Guests.TRANSFORM_MEMORY, Convention.MEMORY, Limits.DEFAULT),
                TRANSFORM_REQUEST);
        final GuestResult wagi = answer(function(Guests.TRANSFORM_WAGI, Convention.WAGI, Limits.DEFAULT),
                TRANSFORM_REQUEST);
        assertThat(wagi.status()).isEqualTo(200);
        assertThat(wagi.contentType()).isEqualTo("application/json");
        assertThat(wagi.body()).isEqualTo(memory.body());
    }

    @Test
    void guestErrorsKeepTheirStatus() throws Exception {
        final GuestResult result = answer(function(Guests.TRANSFORM_WAGI, Convention.WAGI, Limits.DEFAULT), "{\"x\":");
        assertThat(result.status()).isEqualTo(400);
        assertThat(new String(result.body(), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"error\":\"invalid_json\",\"message\":\"invalid JSON at byte 5: unexpected end of input\"}");
    }

    @Test
    void sameBytesCompileOnce() throws Exception {
        final byte[] bytes = Guests.read(Guests.TRANSFORM_MEMORY);
        final GuestModule first = cache.load(bytes, ExecutionMode.COMPILED);
        assertThat(cache.load(bytes.clone(), ExecutionMode.COMPILED)).isSameAs(first);
        assertThat(first.sha256()).hasSize(64);
        assertThat(cache.load(bytes, ExecutionMode.INTERPRETED)).isNotSameAs(first);
    }

    @Test
    void invalidBinaryIsRefusedSayingWhy() {
        assertThatThrownBy(() -> cache.load(Guests.read("invalid.wasm"), ExecutionMode.COMPILED))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageStartingWith("malformed module: ");
        assertThatThrownBy(() -> cache.load(new byte[] {1, 2, 3}, ExecutionMode.COMPILED))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageStartingWith("malformed module: ");
    }

    @Test
    void unboundedTableIsRefused() {
        // magic, version, then a table section: one funcref table, minimum 1, no maximum
        final byte[] module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01};
        assertThatThrownBy(() -> cache.load(module, ExecutionMode.COMPILED))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("table 0 may grow to");
    }

    @Test
    void gcTypesAreRefused() {
        // magic, version, then a type section with one GC array type: (array (mut i32))
        final byte[] module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x5e, 0x7f, 0x01};
        assertThatThrownBy(() -> cache.load(module, ExecutionMode.COMPILED))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("GC");
    }

    @Test
    void wrongExportIsRefusedNamingWhatIsMissing() {
        assertThatThrownBy(() -> function("wrong-export.wasm", Convention.MEMORY, Limits.DEFAULT))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("does not export edge_handle")
                .hasMessageContaining("handle");
        assertThatThrownBy(() -> function(Guests.TRANSFORM_MEMORY, Convention.WAGI, Limits.DEFAULT))
                .hasMessageContaining("does not export _start");
    }

    @Test
    void moduleNeedingMoreMemoryThanItsLimitIsRefused() {
        assertThatThrownBy(() -> function(Guests.TRANSFORM_MEMORY, Convention.MEMORY, limits(1, 1000, 1000, 1, 1, 0)))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("pages of memory at start; the limit is 1");
    }

    @Test
    void infiniteLoopIsStoppedByTheCpuBudget() throws Exception {
        final SandboxedFunction f = function("loop.wasm", Convention.MEMORY, limits(16, 10_000, 50, 1, 4, 0));
        final GuestFailure failure = failure(f.submit(call("{}")));
        assertThat(failure.kind()).isEqualTo(GuestFailure.Kind.CPU_LIMIT);
        assertThat(failure.kind().httpStatus()).isEqualTo(504);
        assertThat(f.stats().failures(GuestFailure.Kind.CPU_LIMIT)).isEqualTo(1);
    }

    @Test
    void infiniteLoopIsStoppedByTheDeadline() throws Exception {
        final SandboxedFunction f = function("loop.wasm", Convention.MEMORY, limits(16, 100, 10_000, 1, 4, 0));
        final long start = System.nanoTime();
        assertThat(failure(f.submit(call("{}"))).kind()).isEqualTo(GuestFailure.Kind.DEADLINE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void memoryBombHitsTheMemoryLimit() throws Exception {
        final SandboxedFunction f = function("membomb.wasm", Convention.MEMORY, limits(64, 10_000, 5_000, 1, 4, 0));
        final GuestFailure failure = failure(f.submit(call("{}")));
        assertThat(failure.kind()).isEqualTo(GuestFailure.Kind.MEMORY_LIMIT);
        assertThat(failure.getMessage()).contains("64 pages");
    }

    @Test
    void trapIsReportedAsATrap() throws Exception {
        final GuestFailure failure = failure(function("trap.wasm", Convention.MEMORY, Limits.DEFAULT)
                .submit(call("{}")));
        assertThat(failure.kind()).isEqualTo(GuestFailure.Kind.TRAP);
        assertThat(failure.getMessage()).contains("unreachable");
    }

    @Test
    void stdoutBombIsCutOffAtTheOutputLimit() throws Exception {
        final GuestFailure failure = failure(function("stdout-bomb.wasm", Convention.WAGI, Limits.DEFAULT)
                .submit(call("")));
        assertThat(failure.kind()).isEqualTo(GuestFailure.Kind.OUTPUT_TOO_LARGE);
    }

    @Test
    void callsBeyondConcurrencyAndQueueAreRefused() throws Exception {
        final SandboxedFunction f = function("loop.wasm", Convention.MEMORY, limits(16, 2_000, 2_000, 1, 1, 0));
        final CompletableFuture<GuestResult> running = f.submit(call("{}"));
        final CompletableFuture<GuestResult> queued = f.submit(call("{}"));
        final GuestFailure refused = failure(f.submit(call("{}")));
        assertThat(refused.kind()).isEqualTo(GuestFailure.Kind.QUEUE_FULL);
        assertThat(refused.kind().httpStatus()).isEqualTo(503);
        assertThat(failure(running).kind()).isIn(GuestFailure.Kind.CPU_LIMIT, GuestFailure.Kind.DEADLINE);
        assertThat(failure(queued).kind()).isIn(GuestFailure.Kind.CPU_LIMIT, GuestFailure.Kind.DEADLINE);
    }

    @Test
    void wagiGuestSeesOnlyRequestMetadataAndGrantsAndNoFiles() throws Exception {
        final GuestResult result = answer(function("probe-wagi.wasm", Convention.WAGI, Limits.DEFAULT), "hello");
        assertThat(new String(result.body(), StandardCharsets.UTF_8))
                .contains("\"REQUEST_METHOD\":\"POST\"", "\"X_REQUEST_ID\":\"r-1\"", "\"GRANTED\":\"yes\"",
                        "\"etc_passwd_opened\":false", "\"dot_dir_opened\":false", "\"stdin_length\":5")
                .doesNotContain("PATH\":", "HOME\":", "JAVA_HOME");
    }

    @Test
    void hostFunctionsLogTaggedLinesAndGiveTheRequestTime() throws Exception {
        final SandboxedFunction f = function("probe-memory.wasm", Convention.MEMORY, Limits.DEFAULT);
        final GuestResult result = answer(f, "hello from the guest");
        assertThat(new String(result.body(), StandardCharsets.UTF_8)).isEqualTo("{\"request_time_ms\":1795856400250}");
        assertThat(logLines).containsExactly("probe-memory.wasm " + f.module().sha256().substring(0, 12)
                + " r-1 hello from the guest");
    }

    @Test
    void reactorIsInitializedOnceBeforeItsFirstCall() throws Exception {
        final SandboxedFunction fresh = function("reactor.wasm", Convention.MEMORY, Limits.DEFAULT);
        final SandboxedFunction reused = function("reactor.wasm", Convention.MEMORY, limits(16, 2_000, 1_000, 1, 4, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(answer(fresh, "{}").body()).asString(StandardCharsets.US_ASCII).isEqualTo("1");
            assertThat(answer(reused, "{}").body()).asString(StandardCharsets.US_ASCII).isEqualTo("1");
        }
    }

    @Test
    void freshInstancePerCallByDefaultAndWarmReuseWhenAsked() throws Exception {
        final SandboxedFunction fresh = function(Guests.TRANSFORM_MEMORY, Convention.MEMORY, Limits.DEFAULT);
        final SandboxedFunction reused = function(Guests.TRANSFORM_MEMORY, Convention.MEMORY,
                limits(256, 2_000, 1_000, 1, 16, 5));
        final GuestResult expected = answer(fresh, TRANSFORM_REQUEST);
        for (int i = 0; i < 9; i++) {
            answer(fresh, TRANSFORM_REQUEST);
            assertThat(answer(reused, TRANSFORM_REQUEST).body()).isEqualTo(expected.body());
        }
        answer(reused, TRANSFORM_REQUEST);
        assertThat(fresh.stats().instantiations()).isEqualTo(10);
        assertThat(reused.stats().instantiations()).isEqualTo(2);
    }

    @Test
    void failedInstanceIsNotReused() throws Exception {
        final SandboxedFunction f = function(Guests.TRANSFORM_MEMORY, Convention.MEMORY,
                limits(256, 2_000, 1_000, 1, 16, 100));
        answer(f, TRANSFORM_REQUEST);
        assertThat(f.warmInstances()).isEqualTo(1);
        answer(f, "not json");
        assertThat(f.stats().instantiations()).isEqualTo(1);
    }

    @Test
    void replaceSwapsTheModuleForLaterCallsOnly() throws Exception {
        final SandboxedFunction f = function("loop.wasm", Convention.MEMORY, limits(256, 300, 5_000, 1, 4, 0));
        final CompletableFuture<GuestResult> before = f.submit(call("{}"));
        f.replace(cache.load(Guests.read(Guests.TRANSFORM_MEMORY), ExecutionMode.COMPILED));
        assertThat(answer(f, TRANSFORM_REQUEST).status()).isEqualTo(200);
        assertThat(failure(before).kind()).isEqualTo(GuestFailure.Kind.DEADLINE);
        assertThatThrownBy(() -> f.replace(cache.load(Guests.read("wrong-export.wasm"), ExecutionMode.COMPILED)))
                .isInstanceOf(ModuleRejectedException.class);
        assertThat(answer(f, TRANSFORM_REQUEST).status()).isEqualTo(200);
    }

    @Test
    void interpreterGivesTheSameAnswer() throws Exception {
        final GuestModule interpreted = cache.load(Guests.read(Guests.TRANSFORM_MEMORY), ExecutionMode.INTERPRETED);
        final SandboxedFunction f = SandboxedFunction.create("interpreted", interpreted, Convention.MEMORY,
                Limits.DEFAULT, Map.of(), log, watchdog);
        functions.add(f);
        assertThat(answer(f, TRANSFORM_REQUEST).body())
                .isEqualTo(answer(function(Guests.TRANSFORM_MEMORY, Convention.MEMORY, Limits.DEFAULT),
                        TRANSFORM_REQUEST).body());
    }

    @Test
    void heapRunningOutWhileTheGuestGrowsItsMemoryIsNotATrapAndTheWorkerCarriesOn() throws Exception {
        for (final ExecutionMode mode : ExecutionMode.values()) {
            final AtomicBoolean armed = new AtomicBoolean(true);
            final List<Thread> workers = new CopyOnWriteArrayList<>();
            final SandboxedFunction f = functionWithMemory(mode, limits -> {
                workers.add(Thread.currentThread());
                return heapFailsOnGrow(new ByteArrayMemory(limits), armed);
            });
            // 256 KiB does not fit the transform's two starting pages: edge_alloc has to grow its memory.
            final GuestFailure failure = failure(f.submit(call("x".repeat(256 << 10))));
            assertThat(armed).as("the guest grew its memory").isFalse();
            assertHostOutOfMemoryAndServedNext(f, failure, workers);
        }
    }

    @Test
    void heapRunningOutWhileMakingAnInstanceIsNotATrapAndTheWorkerCarriesOn() throws Exception {
        final AtomicBoolean armed = new AtomicBoolean(true);
        final List<Thread> workers = new CopyOnWriteArrayList<>();
        final SandboxedFunction f = functionWithMemory(ExecutionMode.COMPILED, limits -> {
            workers.add(Thread.currentThread());
            if (armed.getAndSet(false)) {
                throw new OutOfMemoryError("Java heap space");
            }
            return new ByteArrayMemory(limits);
        });
        assertHostOutOfMemoryAndServedNext(f, failure(f.submit(call(TRANSFORM_REQUEST))), workers);
    }

    @Test
    void hostFailuresAreNeverTraps() {
        assertThat(GuestFailure.ofHost(new java.util.concurrent.CompletionException(new OutOfMemoryError("x"))).kind())
                .isEqualTo(GuestFailure.Kind.HOST_OUT_OF_MEMORY);
        assertThat(GuestFailure.ofHost(new InternalError("x")).kind()).isEqualTo(GuestFailure.Kind.HOST_ERROR);
        assertThat(GuestFailure.ofHost(new IllegalStateException("x")).kind()).isEqualTo(GuestFailure.Kind.HOST_ERROR);
    }

    private static void assertHostOutOfMemoryAndServedNext(final SandboxedFunction f, final GuestFailure failure,
                                                           final List<Thread> workers) throws Exception {
        assertThat(failure.kind()).isEqualTo(GuestFailure.Kind.HOST_OUT_OF_MEMORY);
        assertThat(failure.kind().httpStatus()).isEqualTo(503);
        assertThat(failure.getMessage()).contains("ran out of memory");
        assertThat(f.stats().failures(GuestFailure.Kind.HOST_OUT_OF_MEMORY)).isEqualTo(1);
        assertThat(f.stats().failures(GuestFailure.Kind.TRAP)).isZero();
        assertThat(answer(f, TRANSFORM_REQUEST).status()).isEqualTo(200);
        assertThat(workers).hasSize(2);
        assertThat(workers.get(1)).as("the worker that met the error serves the next call").isSameAs(workers.get(0));
        assertThat(f.stats().liveInstances()).isZero();
    }

    private SandboxedFunction functionWithMemory(final ExecutionMode mode,
                                                 final Function<MemoryLimits, Memory> memories) throws Exception {
        final SandboxedFunction f = SandboxedFunction.create("oom", cache.load(Guests.read(Guests.TRANSFORM_MEMORY),
                mode),
                Convention.MEMORY, limits(256, 30_000, 30_000, 1, 4, 0), Map.of(), log, watchdog, memories);
        functions.add(f);
        return f;
    }

    /**
     * A real Chicory memory, except that while {@code armed} its next {@code grow} fails as the JVM does when the heap
     * cannot back the new pages.
     */
    private static Memory heapFailsOnGrow(final Memory memory, final AtomicBoolean armed) {
        return (Memory) Proxy.newProxyInstance(Memory.class.getClassLoader(), new Class<?>[] {Memory.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("grow") && armed.getAndSet(false)) {
                        throw new OutOfMemoryError("Java heap space");
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
