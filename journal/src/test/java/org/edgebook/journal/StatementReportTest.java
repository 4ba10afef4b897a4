package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementReportTest {

    /** The UTC day the journal's first command was sequenced (not "now": a run may cross midnight). */
    private static LocalDate dayOfFirstRecord(final Path dir) throws IOException {
        final long[] first = {-1};
        JournalScanner.scan(dir, 0, false, (seq, time, command) -> {
            if (first[0] < 0) {
                first[0] = time;
            }
        });
        return java.time.Instant.ofEpochSecond(first[0] / 1_000_000).atZone(ZoneOffset.UTC).toLocalDate();
    }

    @Test
    void aSourcedDepositIsOneMovementHoweverOftenItIsRepeated(@TempDir final Path dir) throws IOException {
        final List<String> flow = new ArrayList<>(JournalFixture.flow(52, 100));
        final String deposit = "{\"type\":\"deposit\",\"account\":\"zed\",\"asset\":\"USD\",\"amount\":\"7.5\","
                + "\"depositId\":\"d1\",\"source\":\"edge-1\",\"sourceSeq\":1}";
        flow.add(deposit);
        flow.add(deposit);
        flow.add(deposit.replace("\"sourceSeq\":1", "\"sourceSeq\":3")); // a gap: nothing moves
        flow.add(deposit.replace("\"d1\"", "\"d2\"").replace("\"sourceSeq\":1", "\"sourceSeq\":2"));
        JournalFixture.journaled(flow, JournalOptions.defaults(dir), new ArrayList<>());
        final StatementReport.Statement statement = StatementReport.build(dir, "zed", dayOfFirstRecord(dir));
        assertThat(statement.movements()).extracting(StatementReport.Movement::kind, StatementReport.Movement::amount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("deposit", new BigDecimal("7.5")),
                        org.assertj.core.groups.Tuple.tuple("deposit", new BigDecimal("7.5")));
        assertThat(statement.closing().get("USD")).isEqualByComparingTo("15");
        assertThat(statement.reconciles()).isTrue();
    }

    @Test
    void todaysStatementReconcilesToTheLastUnitWithEveryKindOfMovement(@TempDir final Path dir) throws IOException {
        final List<String> flow = new ArrayList<>(JournalFixture.flow(51, 2_000));
        flow.add("{\"type\":\"transfer\",\"transferId\":\"t1\",\"from\":\"a1\",\"to\":\"a2\",\"asset\":\"USD\","
                + "\"amount\":\"12.34\"}");
        flow.add("{\"type\":\"transfer\",\"transferId\":\"t2\",\"from\":\"a2\",\"to\":\"a1\",\"asset\":\"BTC\","
                + "\"amount\":\"0.5\"}");
        flow.add("{\"type\":\"withdraw\",\"account\":\"a1\",\"asset\":\"USD\",\"amount\":\"1.01\"}");
        JournalFixture.journaled(flow, JournalOptions.defaults(dir), new ArrayList<>());
        final LocalDate today = dayOfFirstRecord(dir);
        final StatementReport.Statement statement = StatementReport.build(dir, "a1", today);
        assertThat(statement.reconciles()).isTrue();
        assertThat(statement.opening()).isEmpty(); // a1 had nothing before today
        assertThat(statement.movements()).extracting(StatementReport.Movement::kind)
                .contains("deposit", "withdrawal", "transfer_out", "transfer_in", "buy", "sell");
        // The closing balances are the engine's.
        final Recovery.Recovered state = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD), w -> {});
        state.close();
        for (final var b : state.engine().balances("a1").entrySet()) {
            final Event.Balance balance = b.getValue();
            assertThat(statement.closing().get(b.getKey())).isEqualByComparingTo(
                    new BigDecimal(balance.available().toString()).add(new BigDecimal(balance.reserved().toString())));
        }
        final ByteArrayOutputStream json = new ByteArrayOutputStream();
        StatementReport.writeJson(statement, json);
        assertThat(json.toString(StandardCharsets.UTF_8)).startsWith("{\"account\":\"a1\",\"date\":\"" + today)
                .contains("\"kind\":\"transfer_out\",\"asset\":\"USD\",\"amount\":\"-12.34\",\"reference\":\"t1\"")
                .endsWith("\"reconciles\":true}\n");
    }

    @Test
    void aDayBeforeAnythingHappenedIsEmptyAndReconciles(@TempDir final Path dir) throws IOException {
        JournalFixture.journaled(JournalFixture.flow(52, 500), JournalOptions.defaults(dir), new ArrayList<>());
        final StatementReport.Statement statement = StatementReport.build(dir, "a1", dayOfFirstRecord(dir).minusDays(
                1));
        assertThat(statement.movements()).isEmpty();
        assertThat(statement.opening()).isEmpty();
        assertThat(statement.closing()).isEmpty();
        assertThat(statement.reconciles()).isTrue();
    }
}
