package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventCollector;
import org.edgebook.engine.EventReplayer;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;

class EventReplayerTest {

    @Test
    void replayedEventsEncodeExactlyAsLiveOnes() throws IOException {
        final byte[] flow;
        try (var in = getClass().getResourceAsStream("/replay-flow.jsonl")) {
            flow = in.readAllBytes();
        }
        final ByteArrayOutputStream live = new ByteArrayOutputStream();
        final ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        try (JsonEventWriter liveWriter = new JsonEventWriter(live);
             JsonEventWriter replayWriter = new JsonEventWriter(replayed)) {
            final EventCollector collected = new EventCollector();
            final long[] seq = new long[1];
            final Engine engine = new Engine(new Tee(liveWriter, collected, seq));
            final LineReader lines = new LineReader(new ByteArrayInputStream(flow));
            final CommandDecoder decoder = new CommandDecoder();
            while (lines.next()) {
                if (lines.isBlank()) {
                    continue;
                }
                engine.execute(lines.lineNumber(), decoder.decode(lines.buffer(), lines.offset(), lines.length()));
                EventReplayer.replay(seq[0], lines.lineNumber(), collected.drain(), replayWriter);
            }
        }
        assertThat(replayed.toString(StandardCharsets.UTF_8)).isEqualTo(live.toString(StandardCharsets.UTF_8))
                .contains("\"type\":\"book\"", "\"type\":\"balances\"", "\"type\":\"transferred\"",
                        "DUPLICATE_TRANSFER", "\"type\":\"trade\"", "\"type\":\"modified\"",
                        "\"type\":\"duplicate\"", "SEQUENCE_GAP");
    }

    /** Sends events to the JSON writer and the collector, remembering the sequence number. */
    private record Tee(EventSink json, EventCollector collector, long[] seq) implements EventSink {
        @Override
        public void sequenced(final long s, final long cmd) {
            seq[0] = s;
            json.sequenced(s, cmd);
        }

        @Override
        public void ok(final long cmd) {
            json.ok(cmd);
            collector.ok(cmd);
        }

        @Override
        public void rejected(final long cmd, final org.edgebook.engine.RejectReason reason, final String account,
                             final String clientOrderId, final String detail) {
            json.rejected(cmd, reason, account, clientOrderId, detail);
            collector.rejected(cmd, reason, account, clientOrderId, detail);
        }

        @Override
        public void accepted(final long cmd, final String account, final String clientOrderId) {
            json.accepted(cmd, account, clientOrderId);
            collector.accepted(cmd, account, clientOrderId);
        }

        @Override
        public void transferred(final long cmd, final String transferId, final String from, final String to,
                                final String asset, final long amount, final int scale) {
            json.transferred(cmd, transferId, from, to, asset, amount, scale);
            collector.transferred(cmd, transferId, from, to, asset, amount, scale);
        }

        @Override
        public void transferRejected(final long cmd, final org.edgebook.engine.RejectReason reason,
                                     final String transferId, final String from, final long originalSeq,
                                     final String detail) {
            json.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
            collector.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
        }

        @Override
        public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
            json.duplicate(cmd, sender, senderSeq, mark);
            collector.duplicate(cmd, sender, senderSeq, mark);
        }

        @Override
        public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
            json.sequenceGap(cmd, sender, senderSeq, expected);
            collector.sequenceGap(cmd, sender, senderSeq, expected);
        }

        @Override
        public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                          final long quantity, final int quantityScale, final String makerAccount,
                          final String makerOrderId, final String takerAccount, final String takerOrderId,
                          final org.edgebook.engine.Side takerSide) {
            json.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                    takerAccount, takerOrderId, takerSide);
            collector.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                    takerAccount, takerOrderId, takerSide);
        }

        @Override
        public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                              final int quantityScale, final org.edgebook.engine.CancelReason reason) {
            json.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
            collector.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
        }

        @Override
        public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                             final int priceScale, final long quantity, final int quantityScale) {
            json.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
            collector.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
        }

        @Override
        public void book(final long cmd, final String symbol, final BookView book) {
            json.book(cmd, symbol, book);
            collector.book(cmd, symbol, book);
        }

        @Override
        public void balances(final long cmd, final String account, final BalanceView balances) {
            json.balances(cmd, account, balances);
            collector.balances(cmd, account, balances);
        }
    }
}
