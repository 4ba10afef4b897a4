package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources' durable marks and the original answers of repeats: from the window, and from the journal past it. */
class SendersTest {

    /** What one submission was answered: its own seq and events, or for a repeat the original's (or why not). */
    private record Answered(long seq, boolean repeat, long originalSeq, long originalTime, RejectReason rejection,
                            String events, Boolean gone, String detail) {
    }

    private static Answered submit(final DurableEngine service, final Command command, final String viewer)
            throws Exception {
        final CompletableFuture<Answered> answer = new CompletableFuture<>();
        assertThat(service.submit(command, "test", viewer, ',', new DurableEngine.Reply() {
            @Override
            public void done(final long seq, final List<org.edgebook.engine.Event> events) {
                throw new IllegalStateException("answered from the batch");
            }

            @Override
            public void done(final Sequencer.Batch batch, final int i) {
                final long seq = batch.seq(i);
                if (!batch.duplicate(i)) {
                    answer.complete(new Answered(seq, false, seq, batch.timeMicros(i), batch.rejection(i),
                            new String(batch.eventBytes(), batch.eventsFrom(i), batch.eventsTo(i) - batch.eventsFrom(
                                    i), StandardCharsets.UTF_8), null, null));
                    return;
                }
                service.senders().original(batch, i, new Senders.Answer() {
                    @Override
                    public void original(final Senders.Original original) {
                        answer.complete(new Answered(seq, true, original.seq(), original.timeMicros(),
                                original.rejection(), new String(original.events(','), StandardCharsets.UTF_8), null,
                                null));
                    }

                    @Override
                    public void missing(final boolean gone, final String detail) {
                        answer.complete(new Answered(seq, true, 0, 0, null, null, gone, detail));
                    }
                });
            }

            @Override
            public void failed(final IOException cause) {
                answer.completeExceptionally(cause);
            }
        })).isTrue();
        return answer.get(20, TimeUnit.SECONDS);
    }

    private static Command setup(final int i) {
        return switch (i) {
            case 0 -> new Command.DefineAsset("USD", 2);
            case 1 -> new Command.DefineAsset("BTC", 4);
            case 2 -> new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("0.5"), Decimal.parse("0.1"));
            case 3 -> new Command.Deposit("a", "USD", Decimal.parse("1000"), "d1");
            default -> new Command.Deposit("b", "BTC", Decimal.parse("10"), "d2");
        };
    }

    private static DurableEngine started(final JournalOptions options) throws Exception {
        final DurableEngine service = DurableEngine.start(options, w -> {});
        if (service.recovered().lastSeq() == 0) {
            for (int i = 0; i < 5; i++) {
                submit(service, setup(i), null);
            }
        }
        return service;
    }

    private static Command.FromSender sourced(final String source, final long seq, final Command command) {
        return new Command.FromSender(source, seq, command);
    }

    private static Command buy(final String id, final String price) {
        return Command.Place.limit("a", id, "BTC-USD", org.edgebook.engine.Side.BUY, price, "1");
    }

    @Test
    void aRepeatGetsTheOriginalAnswerFromTheWindowAndTheMarkIsDurable(@TempDir final Path dir) throws Exception {
        try (DurableEngine service = started(JournalOptions.defaults(dir))) {
            assertThat(service.senders().mark("edge-1")).isZero();
            submit(service, Command.Place.limit("b", "s1", "BTC-USD", org.edgebook.engine.Side.SELL, "100", "1"),
                    null);
            final Answered first = submit(service, sourced("edge-1", 1, buy("b1", "101")), "a");
            assertThat(first.events()).contains("\"type\":\"accepted\"", "\"type\":\"trade\"");
            assertThat(service.senders().mark("edge-1")).isEqualTo(1);
            final Answered rejected = submit(service, sourced("edge-1", 2, buy("b2", "1000000")), "a");
            assertThat(rejected.rejection()).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(service.senders().mark("edge-1")).isEqualTo(2);

            final Answered repeat = submit(service, sourced("edge-1", 1, buy("b1", "101")), "a");
            assertThat(repeat.repeat()).isTrue();
            assertThat(repeat.seq()).isGreaterThan(rejected.seq()); // the repeat has its own sequence number
            assertThat(repeat.originalSeq()).isEqualTo(first.seq());
            assertThat(repeat.originalTime()).isEqualTo(first.originalTime());
            assertThat(repeat.events()).isEqualTo(first.events());
            final Answered again = submit(service, sourced("edge-1", 2, buy("other", "1")), "a");
            assertThat(again.originalSeq()).isEqualTo(rejected.seq());
            assertThat(again.rejection()).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(again.events()).isEqualTo(rejected.events());
            // A gap moves nothing and is answered as itself.
            final Answered gap = submit(service, sourced("edge-1", 4, buy("b4", "1")), "a");
            assertThat(gap.repeat()).isFalse();
            assertThat(gap.events()).contains("\"reason\":\"SEQUENCE_GAP\"", "\"expected\":3");
            assertThat(service.senders().mark("edge-1")).isEqualTo(2);
        }
    }

    @Test
    void pastTheWindowAfterARestartAndInAnotherViewTheJournalHasTheOriginal(@TempDir final Path dir)
            throws Exception {
        final JournalOptions options = new JournalOptions(dir, 4096, 0, 2);
        final Answered first;
        final Answered second;
        try (DurableEngine service = started(options)) {
            submit(service, Command.Place.limit("b", "s1", "BTC-USD", org.edgebook.engine.Side.SELL, "100", "1"),
                    null);
            first = submit(service, sourced("edge-1", 1, buy("b1", "101")), "a");
            for (int i = 0; i < 400; i++) { // several small segments
                submit(service, new Command.QueryBalances("a"), "a");
            }
            second = submit(service, sourced("edge-1", 2, buy("b2", "99")), "a");
            // The admin's view of the same command names both sides of the trade: recomputed, not the window's.
            final Answered adminView = submit(service, sourced("edge-1", 1, buy("b1", "101")), null);
            assertThat(adminView.originalSeq()).isEqualTo(first.seq());
            assertThat(adminView.events()).contains("\"makerAccount\":\"b\"", "\"makerOrderId\":\"s1\"");
            assertThat(first.events()).contains("\"makerAccount\":null");
        }
        assertThat(JournalScanner.segments(dir)).hasSizeGreaterThan(2);
        try (DurableEngine service = started(options)) {
            assertThat(service.senders().mark("edge-1")).isEqualTo(2);
            final Answered repeat = submit(service, sourced("edge-1", 1, buy("b1", "101")), "a");
            assertThat(repeat.originalSeq()).isEqualTo(first.seq());
            assertThat(repeat.originalTime()).isEqualTo(first.originalTime());
            assertThat(repeat.events()).isEqualTo(first.events());
            // The next one continues from where that replay stopped, and is the same as it was.
            final Answered next = submit(service, sourced("edge-1", 2, buy("b2", "99")), "a");
            assertThat(next.events()).isEqualTo(second.events());
            assertThat(next.originalSeq()).isEqualTo(second.seq());
            // And an earlier one again starts over.
            assertThat(submit(service, sourced("edge-1", 1, buy("b1", "101")), "a").events())
                    .isEqualTo(first.events());
        }
    }

    @Test
    void theWindowKeepsTheNewestAnswersWithinItsBoundsAndTheJournalHasTheRest(@TempDir final Path dir)
            throws Exception {
        for (final long bytes : new long[] {1 << 20, 1}) {
            final Path d = dir.resolve("window-" + bytes);
            try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(d), w -> {}, 3, bytes)) {
                for (int i = 0; i < 5; i++) {
                    submit(service, setup(i), null);
                }
                final java.util.List<Answered> firsts = new java.util.ArrayList<>();
                for (int n = 1; n <= 5; n++) {
                    firsts.add(submit(service, sourced("edge-" + n % 2, (n + 1) / 2, new Command.Deposit("a", "USD",
                            Decimal.parse(Integer.toString(n)), "s" + n)), null));
                }
                // Three answers at most, and none over a byte bound that not one answer fits.
                assertThat(service.senders().windowSize()).isEqualTo(bytes == 1 ? 0 : 3);
                for (int n = 1; n <= 5; n++) {
                    final Answered repeat = submit(service, sourced("edge-" + n % 2, (n + 1) / 2,
                            new Command.QueryBalances("a")), null);
                    assertThat(repeat.originalSeq()).as("n=%d, window %d bytes", n, bytes)
                            .isEqualTo(firsts.get(n - 1).seq());
                    assertThat(repeat.events()).isEqualTo(firsts.get(n - 1).events());
                }
                assertThat(service.senders().mark("edge-1")).isEqualTo(3);
                assertThat(service.senders().mark("edge-0")).isEqualTo(2);
            }
        }
    }

    @Test
    void anOriginalBeforeThePrunedJournalIsGoneWithTheBoundOfItsSequence(@TempDir final Path dir)
            throws Exception {
        final JournalOptions options = new JournalOptions(dir, 4096, 40, 1, SnapshotMode.COPY);
        try (DurableEngine service = started(options)) {
            submit(service, sourced("edge-1", 1, new Command.QueryBalances("a")), "a");
            for (int i = 0; i < 200; i++) {
                submit(service, new Command.QueryBalances("a"), "a");
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (JournalFormat.segmentFirstSeq(JournalScanner.segments(dir).getFirst()) <= 1
                && System.nanoTime() < deadline) {
            Thread.sleep(10); // snapshots are written, and old segments pruned, off the engine's thread
        }
        assertThat(JournalFormat.segmentFirstSeq(JournalScanner.segments(dir).getFirst())).isGreaterThan(1);
        try (DurableEngine service = started(options)) {
            final Answered repeat = submit(service, sourced("edge-1", 1, new Command.QueryBalances("a")), "a");
            assertThat(repeat.gone()).isTrue();
            assertThat(repeat.detail()).startsWith("the original answer of edge-1's sourceSeq 1 is no longer kept: "
                    + "that command ran at or before sequence ").contains("(--keep-snapshots)",
                            "the mark of edge-1 is 1");
        }
    }

    @Test
    void eventsBecomeLinesWhateverTheirSeparatorAndText() {
        final String events = "{\"type\":\"rejected\",\"detail\":\"a, b} \\\"c{\\\\\",\"x\":[1,2]},"
                + "{\"type\":\"ok\"},";
        final byte[] bytes = ("xx" + events + "yy").getBytes(StandardCharsets.UTF_8);
        final byte[] lines = Senders.lines(bytes, 2, bytes.length - 2);
        assertThat(new String(lines, StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"rejected\",\"detail\":\"a, b} \\\"c{\\\\\",\"x\":[1,2]}\n{\"type\":\"ok\"}\n");
        final Senders.Original original = new Senders.Original(1, 2, null, null, lines);
        assertThat(new String(original.events(','), StandardCharsets.UTF_8)).isEqualTo(events);
    }
}
