package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal that fails (a write throws, as a full disk does) is answered at once and honestly on every transport: the
 * command in flight and every later one are refused 503 (or the WebSocket's error) with {@code Retry-After} and the
 * cause, a batch says which of its lines stand, {@code /health} turns 503, and the failure is logged once, with its
 * cause. "At once" is well under the idle timeout (30 s): each answer must come within {@value #PROMPT_MILLIS} ms.
 */
class JournalFailureTest {
    private static final long PROMPT_MILLIS = 5_000;
    private static final String FAILED = "the journal failed: " + FailingJournal.CAUSE;

    private final FailingJournal journal = new FailingJournal();
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private static String order(final String id) {
        return "{\"clientOrderId\":\"" + id + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"60000\","
                + "\"quantity\":\"0.01\"}";
    }

    /** Runs {@code call}, failing if it takes longer than a prompt answer may. */
    private static <T> T promptly(final java.util.concurrent.Callable<T> call) throws Exception {
        final long start = System.nanoTime();
        final T result = call.call();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(PROMPT_MILLIS));
        return result;
    }

    /** A 503 that names the journal's failure, with Retry-After. */
    private static void assertUnavailable(final HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue(Long.toString(Refusal.AFTER_JOURNAL_FAILURE));
        final JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("error")).isEqualTo("unavailable");
        assertThat(body.getString("detail")).startsWith(FAILED + "; ");
    }

    /** Closing a failed service reports the failure; the failure was warned once, with its cause. */
    private void closeFailed(final Served s) {
        try {
            s.close();
        } catch (final IOException e) {
            assertThat(e).hasMessageContaining(FailingJournal.CAUSE);
        }
        assertThat(warnings.stream().filter(w -> w.contains("JOURNAL FAILED")).toList()).singleElement()
                .asString().contains(FailingJournal.CAUSE);
    }

    @Test
    void anHttpCommandWhoseWriteFailsIsAnswered503AtOnceAndSoIsEveryLaterOne(@TempDir final Path dir)
            throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        assertThat(s.send(s.bob, "POST", "/v1/orders", order("f1")).statusCode()).isEqualTo(200);
        journal.failAfter(0);
        final HttpResponse<String> failed = promptly(() -> s.send(s.bob, "POST", "/v1/orders", order("f2")));
        assertUnavailable(failed);
        assertThat(new JsonObject(failed.body()).getString("detail")).isEqualTo(FAILED + "; the command was not "
                + "acknowledged. Its write failed, so after a restart it may or may not be in the journal: a retry "
                + "with the same id is then refused as a duplicate if it is. Nothing is accepted until the service is "
                + "restarted; a restart recovers every acknowledged command");
        // Refused before the engine now, on every route that submits a command, with the same cause.
        final HttpResponse<String> later = promptly(() -> s.send(s.bob, "POST", "/v1/orders", order("f3")));
        assertUnavailable(later);
        assertThat(new JsonObject(later.body()).getString("detail")).isEqualTo(FAILED + "; the command was not "
                + "accepted. Nothing is accepted until the service is restarted; a restart recovers every "
                + "acknowledged command");
        assertUnavailable(promptly(() -> s.send(s.bob, "GET", "/v1/balances", (String) null)));
        assertUnavailable(promptly(() -> s.send(s.alice, "GET", "/v1/book/BTC-USD", (String) null)));
        assertUnavailable(promptly(() -> s.send(s.admin, "POST", "/v1/admin/deposits", "{\"account\":\"bob\","
                + "\"asset\":\"USD\",\"amount\":\"1\",\"depositId\":\"d-f\"}")));
        closeFailed(s);
    }

    @Test
    void aBatchWhoseWriteFailsIsAnswered503AtOnceSayingNoLineStands(@TempDir final Path dir) throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        journal.failAfter(0);
        final String batch = "{\"type\":\"balances\",\"account\":\"bob\"}\n".repeat(3);
        final HttpResponse<String> failed = promptly(() -> s.send(s.bob, "POST", "/v1/batch", batch));
        assertUnavailable(failed);
        assertThat(new JsonObject(failed.body())).isEqualTo(new JsonObject().put("error", "unavailable")
                .put("detail", FAILED + "; no line of the batch was made durable; lines 1 to 3 were not accepted "
                        + "(send them again once the service is back)").put("durableLines", 0));
        // A later batch is refused before its first line.
        final HttpResponse<String> later = promptly(() -> s.send(s.bob, "POST", "/v1/batch", batch));
        assertUnavailable(later);
        assertThat(new JsonObject(later.body()).getInteger("durableLines")).isZero();
        closeFailed(s);
    }

    @Test
    void aBatchCutShortByAFailedWriteSaysWhichLinesStandAndARestartHasExactlyThose(@TempDir final Path dir)
            throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        final long before = s.server.engine().sequencer().durableSeq();
        // More lines than one journal write takes (4096 commands at most): the first write stands, the second fails.
        final int lines = 6_000;
        journal.failAfter(1);
        final HttpResponse<String> failed = promptly(() -> s.send(s.bob, "POST", "/v1/batch",
                "{\"type\":\"balances\",\"account\":\"bob\"}\n".repeat(lines)));
        assertUnavailable(failed);
        final JsonObject body = new JsonObject(failed.body());
        final int durable = body.getInteger("durableLines");
        assertThat(durable).isBetween(1, lines - 1);
        assertThat(body.getString("detail")).isEqualTo(FAILED + "; the first " + durable + " of its " + lines
                + " lines were made durable and stand; lines " + (durable + 1) + " to " + lines + " were not "
                + "accepted (send them again once the service is back)");
        closeFailed(s);
        try (Served restarted = Served.start(dir)) {
            assertThat(restarted.server.engine().recovered().lastSeq()).isEqualTo(before + durable);
        }
    }

    @Test
    void aWebSocketCommandWhoseWriteFailsIsAnsweredWithItsIdAtOnce(@TempDir final Path dir) throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.bob, inbox);
        socket.sendText("{\"op\":\"command\",\"id\":\"ok\",\"command\":{\"type\":\"balances\"}}", true).join();
        assertThat(inbox.await("{\"id\":\"ok\",")).contains("\"type\":\"balances\"");
        journal.failAfter(0);
        for (final String id : new String[] {"c-1", "c-2"}) { // in flight when the write fails; refused after
            socket.sendText("{\"op\":\"command\",\"id\":\"" + id + "\",\"command\":{\"type\":\"place\","
                    + "\"clientOrderId\":\"" + id + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"60000\","
                    + "\"quantity\":\"0.01\"}}", true).join();
            final JsonObject answer = new JsonObject(promptly(() -> inbox.await("{\"id\":\"" + id + "\",")));
            assertThat(answer.fieldNames()).containsExactly("id", "error", "detail", "retryAfter");
            assertThat(answer.getString("error")).isEqualTo("unavailable");
            assertThat(answer.getString("detail")).startsWith(FAILED + "; the command was not ");
            assertThat(answer.getLong("retryAfter")).isEqualTo(Refusal.AFTER_JOURNAL_FAILURE);
        }
        socket.abort();
        closeFailed(s);
    }

    @Test
    void aBookSubscriptionWhoseSnapshotCannotBeWrittenGetsItsChannelErrorAtOnce(@TempDir final Path dir)
            throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.alice, inbox);
        journal.failAfter(0);
        for (int n = 1; n <= 2; n++) { // the snapshot's write fails; the second is refused before the engine
            socket.sendText("{\"op\":\"subscribe\",\"channel\":\"book\",\"symbol\":\"BTC-USD\"}", true).join();
            final int nth = n;
            final JsonObject error = new JsonObject(promptly(() -> inbox.await("\"error\"", nth)));
            assertThat(error).isEqualTo(new JsonObject().put("channel", "book").put("symbol", "BTC-USD")
                    .put("error", "unavailable").put("detail", FAILED)
                    .put("retryAfter", Refusal.AFTER_JOURNAL_FAILURE));
        }
        assertThat(inbox.messages).noneMatch(m -> m.contains("\"snapshot\""));
        socket.abort();
        closeFailed(s);
    }

    @Test
    void healthIsUpUntilTheJournalFailsThen503WithTheReason(@TempDir final Path dir) throws Exception {
        final Served s = Served.start(dir, journal, warnings::add);
        final HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health"))
                .timeout(Duration.ofMillis(PROMPT_MILLIS)).build();
        final HttpResponse<String> up = s.http.send(health, HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEqualTo("{\"status\":\"up\"}");
        journal.failAfter(0);
        assertUnavailable(promptly(() -> s.send(s.bob, "GET", "/v1/balances", (String) null)));
        final HttpResponse<String> failed = s.http.send(health, HttpResponse.BodyHandlers.ofString());
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).isEqualTo("{\"status\":\"failed\",\"reason\":\"" + FAILED + "\"}");
        assertThat(failed.headers().firstValue("Retry-After")).hasValue(
                Long.toString(Refusal.AFTER_JOURNAL_FAILURE));
        closeFailed(s);
    }
}
