package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;
import org.junit.jupiter.api.Test;

class JsonCommandWriterTest {

    @Test
    void everyCommandSurvivesARoundTrip() {
        final List<Command> commands = List.of(
                new Command.DefineAsset("USD", 6),
                new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("0.5"), Decimal.parse("0.001")),
                new Command.Deposit("a1", "USD", Decimal.parse("-100.5")),
                new Command.Deposit("a1", "USD", Decimal.parse("7"), "dep:1"),
                new Command.Withdraw("a1", "USD", Decimal.parse("3")),
                new Command.Withdraw("a1", "USD", Decimal.parse("3"), "w-1"),
                new Command.Place("a1", "o1", "BTC-USD", Side.SELL, OrderType.LIMIT, TimeInForce.IOC,
                        Decimal.parse("10.5"), Decimal.parse("2"), false),
                new Command.Place("a1", "o2", "BTC-USD", Side.BUY, null, null, Decimal.parse("10"),
                        Decimal.parse("2"), true),
                new Command.Place("a1", "o3", "BTC-USD", Side.BUY, OrderType.MARKET, null, null,
                        Decimal.parse("2"), false),
                new Command.Cancel("a1", "o1"),
                new Command.Modify("a1", "o1", Decimal.parse("11"), null),
                new Command.QueryBook("BTC-USD"),
                new Command.QueryBalances("a1"),
                new Command.FromSender("edge-1", 42, new Command.Cancel("a1", "o1")),
                new Command.FromSender("eu:fra", Long.MAX_VALUE, new Command.Transfer("t1", "a1", "a2", "USD",
                        Decimal.parse("1.5"))));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonCommandWriter writer = new JsonCommandWriter(out)) {
            commands.forEach(writer::write);
        }
        final byte[] bytes = out.toByteArray();
        final CommandDecoder decoder = new CommandDecoder();
        int start = 0;
        int index = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                assertThat(decoder.decode(bytes, start, i - start)).isEqualTo(commands.get(index++));
                start = i + 1;
            }
        }
        assertThat(index).isEqualTo(commands.size());
    }

    @Test
    void malformedIsWrittenSoThatItIsRejectedMalformedAgain() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonCommandWriter writer = new JsonCommandWriter(out)) {
            writer.write(new Command.Malformed("side must be one of BUY, SELL", "a1", "o1"));
        }
        final String line = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(line).isEqualTo("{\"type\":\"malformed\",\"detail\":\"side must be one of BUY, SELL\","
                + "\"account\":\"a1\",\"clientOrderId\":\"o1\"}\n");
        final byte[] bytes = line.trim().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(new CommandDecoder().decode(bytes, 0, bytes.length)).isInstanceOfSatisfying(Command.Malformed.class,
                m -> assertThat(m).extracting(Command.Malformed::account, Command.Malformed::clientOrderId)
                        .containsExactly("a1", "o1"));
    }
}
