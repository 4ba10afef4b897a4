package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TradeReportTest {

    private static List<String> report(final Path dir, final TradeReport.Format format) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        TradeReport.write(dir, 0, Long.MAX_VALUE, format, "EDGEBOOK", out);
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void everyTradeIsReportedOnceWithExactNotionalsThatReconcileWithBalances(@TempDir final Path dir)
            throws IOException {
        final List<String> flow = JournalFixture.flow(31, 3_000);
        final String events = JournalFixture.journaled(flow, JournalOptions.defaults(dir), new ArrayList<>());
        final long tradeEvents = events.lines().filter(l -> l.contains("\"type\":\"trade\"")).count();
        final List<String> csv = report(dir, TradeReport.Format.CSV);
        assertThat(csv.getFirst()).isEqualTo(TradeReport.CSV_HEADER);
        assertThat(csv).hasSize((int) tradeEvents + 1);
        assertThat(csv.stream().skip(1).map(l -> l.split(",")[0]).distinct().count()).isEqualTo(tradeEvents);

        // Reconcile: deposits plus what each account bought and sold in the report equals its final balances.
        final Map<String, BigDecimal> expected = new HashMap<>();
        for (final String line : flow) {
            if (line.contains("\"deposit\"")) {
                final String account = line.replaceAll(".*\"account\":\"([^\"]+)\".*", "$1");
                final String asset = line.replaceAll(".*\"asset\":\"([^\"]+)\".*", "$1");
                expected.merge(account + "/" + asset,
                        new BigDecimal(line.replaceAll(".*\"amount\":\"([^\"]+)\".*", "$1")), BigDecimal::add);
            }
        }
        for (final String row : csv.subList(1, csv.size())) {
            final String[] f = row.split(",");
            final BigDecimal price = new BigDecimal(f[3]);
            final BigDecimal quantity = new BigDecimal(f[4]);
            final BigDecimal notional = new BigDecimal(f[5]);
            assertThat(notional).isEqualByComparingTo(price.multiply(quantity));
            assertThat(f[6]).isEqualTo("USD");
            assertThat(f[12]).isEqualTo("EDGEBOOK");
            expected.merge(f[7] + "/BTC", quantity, BigDecimal::add);
            expected.merge(f[7] + "/USD", notional.negate(), BigDecimal::add);
            expected.merge(f[8] + "/BTC", quantity.negate(), BigDecimal::add);
            expected.merge(f[8] + "/USD", notional, BigDecimal::add);
        }
        final Recovery.Recovered state = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD), w -> {});
        state.close();
        for (final String account : state.engine().accounts()) {
            for (final Map.Entry<String, Event.Balance> b : state.engine().balances(account).entrySet()) {
                final BigDecimal total = new BigDecimal(b.getValue().available().toString())
                        .add(new BigDecimal(b.getValue().reserved().toString()));
                assertThat(total).as(account + " " + b.getKey())
                        .isEqualByComparingTo(expected.getOrDefault(account + "/" + b.getKey(), BigDecimal.ZERO));
            }
        }
    }

    @Test
    void theSameJournalGivesTheSameReportAndJsonMatchesCsv(@TempDir final Path dir) throws IOException {
        JournalFixture.journaled(JournalFixture.flow(32, 2_000), JournalOptions.defaults(dir),
                new ArrayList<>());
        assertThat(report(dir, TradeReport.Format.CSV)).isEqualTo(report(dir, TradeReport.Format.CSV));
        final List<String> json = report(dir, TradeReport.Format.JSON);
        final List<String> csv = report(dir, TradeReport.Format.CSV);
        assertThat(json).hasSize(csv.size() - 1);
        assertThat(json.getFirst()).startsWith("{\"trade_id\":\"" + csv.get(1).split(",")[0] + "\",")
                .contains("\"execution_time\":\"20").endsWith("\"venue\":\"EDGEBOOK\"}");
    }

    @Test
    void aTimeRangeSelectsByExecutionTime(@TempDir final Path dir) throws IOException {
        JournalFixture.journaled(JournalFixture.flow(33, 2_000), JournalOptions.defaults(dir),
                new ArrayList<>());
        final ByteArrayOutputStream none = new ByteArrayOutputStream();
        assertThat(TradeReport.write(dir, 0, 1, TradeReport.Format.CSV, "X", none).trades()).isZero();
        assertThat(none.toString(StandardCharsets.UTF_8).lines()).containsExactly(TradeReport.CSV_HEADER);
    }
}
