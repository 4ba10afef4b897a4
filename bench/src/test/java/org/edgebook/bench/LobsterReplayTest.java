package org.edgebook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Real NASDAQ order flow (LOBSTER samples in the shared data folder) through the engine: after every message the
 * engine's visible book equals LOBSTER's. Skipped where the shared data is not present, except in CI (CI=true), where a
 * missing data set fails the test.
 */
class LobsterReplayTest {
    private static final Path DATA = Path.of("..", "..", "shared", "data", "lobster");

    private static LobsterReplay.Result replay(final String stock, final int levels, final String symbol)
            throws IOException {
        final Path messages = DATA.resolve(stock + "_2012-06-21_34200000_57600000_message_" + levels + ".csv");
        final Path book = DATA.resolve(stock + "_2012-06-21_34200000_57600000_orderbook_" + levels + ".csv");
        final boolean present = Files.exists(messages) && Files.exists(book);
        // A build without the shared data still passes; CI, which has it beside the checkout, must not skip.
        assertThat(present || System.getenv("CI") == null)
                .as("CI=true but the LOBSTER sample data is missing from %s", DATA.toAbsolutePath().normalize())
                .isTrue();
        assumeTrue(present, "LOBSTER sample data not found in " + DATA);
        return LobsterReplay.run(messages, book, levels, symbol);
    }

    @Test
    void aaplTenLevelsMatchAfterEveryMessage() throws IOException {
        final LobsterReplay.Result result = replay("AAPL", 10, "AAPL-USD");
        assertThat(result.messages()).isEqualTo(999);
        assertThat(result.matched()).as(String.join("\n", result.mismatches())).isEqualTo(result.compared());
        assertThat(result.unexplained()).as(String.join("\n", result.mismatches())).isZero();
        assertThat(result.trades()).isPositive(); // executions went through the engine's matching
    }

    @Test
    void amznFullDayTopOfBookMatchesAfterEveryMessage() throws IOException {
        final LobsterReplay.Result result = replay("AMZN", 1, "AMZN-USD");
        assertThat(result.messages()).isEqualTo(57_515);
        assertThat(result.matched()).as(String.join("\n", result.mismatches())).isEqualTo(result.compared());
        // One place in the day where the data and strict price-time priority part ways: order 284135299 (400 @
        // 220.81) is executed four times by name while 24 older shares rest at the same price, which the engine
        // fills first; its delete then leaves those 24 short, and they are the one top-up not explained by a level
        // scrolling into view.
        assertThat(result.mismatches()).containsExactly(
                "unexplained liquidity after message 56089 (57467.10428,3,284135299,240,2208100,-1)");
        assertThat(result.trades()).isGreaterThan(8_000);
    }
}
