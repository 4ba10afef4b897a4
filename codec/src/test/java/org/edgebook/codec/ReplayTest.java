package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplayTest {
    private static final String FLOW = String.join("\n",
            "{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":2}",
            "{\"type\":\"asset\",\"asset\":\"BTC\",\"scale\":4}",
            "{\"type\":\"instrument\",\"symbol\":\"BTC-USD\",\"base\":\"BTC\",\"quote\":\"USD\",\"tickSize\":\"0.5\","
                    + "\"lotSize\":\"0.1\"}",
            "",
            "{\"type\":\"deposit\",\"account\":\"s\",\"asset\":\"BTC\",\"amount\":\"1\"}",
            "{\"type\":\"deposit\",\"account\":\"b\",\"asset\":\"USD\",\"amount\":\"100\"}",
            "{\"type\":\"place\",\"account\":\"s\",\"clientOrderId\":\"x\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\","
                    + "\"price\":\"40\",\"quantity\":\"0.5\"}",
            "{\"type\":\"place\",\"account\":\"b\",\"clientOrderId\":\"y\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                    + "\"price\":\"45.5\",\"quantity\":\"1\",\"tif\":\"IOC\"}",
            "{\"type\":\"book\",\"symbol\":\"BTC-USD\"}",
            "{\"type\":\"balances\",\"account\":\"b\"}",
            "{\"type\":\"cancel\",\"account\":\"b\",\"clientOrderId\":\"y\"}",
            "garbage",
            "");

    private static final String EVENTS = String.join("\n",
            "{\"type\":\"ok\",\"cmd\":1,\"seq\":1}",
            "{\"type\":\"ok\",\"cmd\":2,\"seq\":2}",
            "{\"type\":\"ok\",\"cmd\":3,\"seq\":3}",
            "{\"type\":\"ok\",\"cmd\":5,\"seq\":4}",
            "{\"type\":\"ok\",\"cmd\":6,\"seq\":5}",
            "{\"type\":\"accepted\",\"cmd\":7,\"seq\":6,\"account\":\"s\",\"clientOrderId\":\"x\"}",
            "{\"type\":\"accepted\",\"cmd\":8,\"seq\":7,\"account\":\"b\",\"clientOrderId\":\"y\"}",
            "{\"type\":\"trade\",\"cmd\":8,\"seq\":7,\"symbol\":\"BTC-USD\",\"price\":\"40\",\"quantity\":\"0.5\","
                    + "\"makerAccount\":\"s\",\"makerOrderId\":\"x\",\"takerAccount\":\"b\",\"takerOrderId\":\"y\","
                    + "\"takerSide\":\"BUY\"}",
            "{\"type\":\"cancelled\",\"cmd\":8,\"seq\":7,\"account\":\"b\",\"clientOrderId\":\"y\",\"remaining\":\"0.5\","
                    + "\"reason\":\"UNFILLED\"}",
            "{\"type\":\"book\",\"cmd\":9,\"seq\":8,\"symbol\":\"BTC-USD\",\"bids\":[],\"asks\":[]}",
            "{\"type\":\"balances\",\"cmd\":10,\"seq\":9,\"account\":\"b\",\"balances\":{\"USD\":{\"available\":\"80\","
                    + "\"reserved\":\"0\"},\"BTC\":{\"available\":\"0.5\",\"reserved\":\"0\"}}}",
            "{\"type\":\"rejected\",\"cmd\":11,\"seq\":10,\"reason\":\"UNKNOWN_ORDER\",\"account\":\"b\",\"clientOrderId\":\"y\"}",
            "{\"type\":\"rejected\",\"cmd\":12,\"seq\":11,\"reason\":\"MALFORMED\",\"detail\":\"not valid JSON: Unrecognized "
                    + "token 'garbage': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
                    + "'false')\"}",
            "");

    private static String replay(final String input, final Replay.Summary[] summary) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        summary[0] = Replay.run(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesTheDocumentedEventsAndCountsThem() throws IOException {
        final Replay.Summary[] summary = new Replay.Summary[1];
        assertThat(replay(FLOW, summary)).isEqualTo(EVENTS);
        assertThat(summary[0].commands()).isEqualTo(11);
        assertThat(summary[0].events()).isEqualTo(13);
        assertThat(summary[0].rejections()).isEqualTo(2);
        assertThat(summary[0].trades()).isEqualTo(1);
        assertThat(summary[0].describe()).startsWith("replay: 11 commands, 13 events, 2 rejections, 1 trades in ");
    }

    @Test
    void sameCommandsGiveTheSameBytes() throws IOException {
        final Replay.Summary[] summary = new Replay.Summary[1];
        assertThat(replay(FLOW, summary)).isEqualTo(replay(FLOW, summary));
    }

    @Test
    void overlongLineIsRejectedMalformedAndProcessingGoesOn() throws IOException {
        final String longLine = "{\"type\":\"balances\",\"account\":\"" + "a".repeat(70_000) + "\"}";
        final Replay.Summary[] summary = new Replay.Summary[1];
        assertThat(replay(longLine + "\n{\"type\":\"balances\",\"account\":\"a\"}\n", summary)).isEqualTo(
                "{\"type\":\"rejected\",\"cmd\":1,\"seq\":1,\"reason\":\"MALFORMED\",\"detail\":\"line longer than 65536 bytes\"}\n"
                        + "{\"type\":\"balances\",\"cmd\":2,\"seq\":2,\"account\":\"a\",\"balances\":{}}\n");
    }

    @Test
    void transfersAndTheirRetriesAreWrittenWithTheirIds() throws IOException {
        final Replay.Summary[] summary = new Replay.Summary[1];
        final String flow = String.join("\n",
                "{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":2}",
                "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"USD\",\"amount\":\"20\"}",
                "{\"type\":\"deposit\",\"account\":\"b\",\"asset\":\"USD\",\"amount\":\"1\"}",
                "{\"type\":\"transfer\",\"transferId\":\"t1\",\"from\":\"a\",\"to\":\"b\",\"asset\":\"USD\","
                        + "\"amount\":\"10.5\"}",
                "{\"type\":\"transfer\",\"transferId\":\"t1\",\"from\":\"a\",\"to\":\"b\",\"asset\":\"USD\","
                        + "\"amount\":\"10.5\"}",
                "");
        assertThat(replay(flow, summary)).endsWith(
                "{\"type\":\"transferred\",\"cmd\":4,\"seq\":4,\"transferId\":\"t1\",\"from\":\"a\",\"to\":\"b\","
                        + "\"asset\":\"USD\",\"amount\":\"10.5\"}\n"
                        + "{\"type\":\"rejected\",\"cmd\":5,\"seq\":5,\"reason\":\"DUPLICATE_TRANSFER\","
                        + "\"transferId\":\"t1\",\"account\":\"a\",\"originalSeq\":4}\n");
    }

    @Test
    void sourcedCommandsRunOnceInTheirSourcesOrder() throws IOException {
        final Replay.Summary[] summary = new Replay.Summary[1];
        final String flow = String.join("\n",
                "{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":2}",
                "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"USD\",\"amount\":\"20\",\"source\":\"edge-1\","
                        + "\"sourceSeq\":1}",
                "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"USD\",\"amount\":\"20\",\"source\":\"edge-1\","
                        + "\"sourceSeq\":1}",
                "{\"type\":\"withdraw\",\"account\":\"a\",\"asset\":\"USD\",\"amount\":\"99\",\"source\":\"edge-1\","
                        + "\"sourceSeq\":3}",
                "{\"type\":\"withdraw\",\"account\":\"a\",\"asset\":\"USD\",\"amount\":\"99\",\"source\":\"edge-1\","
                        + "\"sourceSeq\":2}",
                "{\"type\":\"balances\",\"account\":\"a\",\"source\":\"edge-1\",\"sourceSeq\":0}",
                "{\"type\":\"balances\",\"account\":\"a\",\"source\":\"edge-1\",\"sourceSeq\":3}",
                "");
        assertThat(replay(flow, summary)).isEqualTo(String.join("\n",
                "{\"type\":\"ok\",\"cmd\":1,\"seq\":1}",
                "{\"type\":\"ok\",\"cmd\":2,\"seq\":2}",
                "{\"type\":\"duplicate\",\"cmd\":3,\"seq\":3,\"source\":\"edge-1\",\"sourceSeq\":1,\"mark\":1}",
                "{\"type\":\"rejected\",\"cmd\":4,\"seq\":4,\"reason\":\"SEQUENCE_GAP\",\"source\":\"edge-1\","
                        + "\"sourceSeq\":3,\"expected\":2}",
                "{\"type\":\"rejected\",\"cmd\":5,\"seq\":5,\"reason\":\"INSUFFICIENT_FUNDS\",\"account\":\"a\"}",
                "{\"type\":\"rejected\",\"cmd\":6,\"seq\":6,\"reason\":\"MALFORMED\",\"account\":\"a\",\"detail\":\"sourceSeq must be "
                        + "an integer from 1 to 9223372036854775807\"}",
                "{\"type\":\"balances\",\"cmd\":7,\"seq\":7,\"account\":\"a\",\"balances\":{\"USD\":{\"available\":"
                        + "\"20\",\"reserved\":\"0\"}}}",
                ""));
        assertThat(summary[0].rejections()).isEqualTo(3);
    }

    @Test
    void stringsAreEscapedInEvents() throws IOException {
        final Replay.Summary[] summary = new Replay.Summary[1];
        // A name with a quote breaks the rule for names; the detail that says so is escaped in the event's JSON.
        assertThat(replay("{\"type\":\"balances\",\"account\":\"q\\\"uote\\n\"}", summary))
                .isEqualTo("{\"type\":\"rejected\",\"cmd\":1,\"seq\":1,\"reason\":\"MALFORMED\",\"detail\":\"account "
                        + "may hold only A-Z, a-z, 0-9 and . _ - :; character 2 is '\\\"'\"}\n");
    }
}
