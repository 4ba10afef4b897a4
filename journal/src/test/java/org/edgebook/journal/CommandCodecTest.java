package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

    private static Command roundTrip(final Command command) {
        final ByteBuffer buffer = ByteBuffer.allocate(CommandCodec.maxLength(command));
        CommandCodec.encode(command, buffer);
        buffer.flip();
        final Command decoded = CommandCodec.decode(buffer);
        assertThat(buffer.hasRemaining()).isFalse();
        return decoded;
    }

    @Test
    void everyCommandRoundTripsExactly() {
        final String longName = "\u00e9\u4e2d".repeat(300); // multi-byte, and longer than a one-byte length
        final List<Command> commands = List.of(
                new Command.DefineAsset("USD", 6),
                new Command.DefineAsset(null, -3),
                new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("0.5"), Decimal.OUT_OF_RANGE),
                new Command.Deposit(longName, "USD", Decimal.parse("-12.345")),
                new Command.Withdraw("a", "", null),
                new Command.Place("a", "o1", "BTC-USD", Side.SELL, OrderType.MARKET, TimeInForce.IOC, null,
                        Decimal.parse("9223372036854775807"), false),
                new Command.Place("a", "o2", "BTC-USD", null, null, null, Decimal.parse("0.000000000000000001"),
                        null, true),
                new Command.Cancel(null, null),
                new Command.Transfer("t1", "a", "b", "USD", Decimal.parse("10.5")),
                new Command.Transfer(null, null, null, null, null),
                new Command.Modify("a", "o1", null, Decimal.parse("3")),
                new Command.QueryBook("BTC-USD"),
                new Command.QueryBalances("a"),
                new Command.Malformed("not valid JSON: \"x\"", "a", null),
                new Command.FromSender("edge-1", 7, new Command.Cancel("a", "o1")),
                new Command.FromSender(longName, Long.MIN_VALUE, new Command.Malformed("bad", null, null)),
                new Command.FromSender(null, 0, null));
        for (final Command command : commands) {
            assertThat(roundTrip(command)).isEqualTo(command);
        }
    }

    @Test
    void aSourcedCommandInsideAnotherIsJournaledAsTheMalformedCommandTheEngineAnswers() {
        final Command.FromSender nested = new Command.FromSender("e", 1, new Command.FromSender("e", 1,
                new Command.Cancel("a", "o")));
        assertThatThrownBy(() -> CommandCodec.encode(nested, ByteBuffer.allocate(CommandCodec.maxLength(nested))))
                .isInstanceOf(IllegalArgumentException.class);
        final ByteBuffer buffer = ByteBuffer.allocate(CommandCodec.maxLength(nested));
        final Command journaled = CommandCodec.encodeExact(nested, buffer);
        assertThat(journaled).isEqualTo(new Command.Malformed(nested.problem(), null, null));
        buffer.flip();
        assertThat(CommandCodec.decode(buffer)).isEqualTo(journaled);
    }

    @Test
    void aSourcedCommandCostsItsNameAndNumberMore() {
        final Command place = Command.Place.limit("acct1234", "o1234567", "BTC-USD", Side.BUY, "64000.5", "0.25");
        final Command sourced = new Command.FromSender("edge-fra-1", 42, place);
        final ByteBuffer plain = ByteBuffer.allocate(CommandCodec.maxLength(place));
        CommandCodec.encode(place, plain);
        final ByteBuffer buffer = ByteBuffer.allocate(CommandCodec.maxLength(sourced));
        CommandCodec.encode(sourced, buffer);
        assertThat(buffer.position()).isEqualTo(plain.position() + 1 + 1 + "edge-fra-1".length() + 8);
    }

    @Test
    void aTypicalPlaceIsSmall() {
        final Command place = Command.Place.limit("acct1234", "o1234567", "BTC-USD", Side.BUY, "64000.5", "0.25");
        final ByteBuffer buffer = ByteBuffer.allocate(CommandCodec.maxLength(place));
        CommandCodec.encode(place, buffer);
        assertThat(buffer.position()).isLessThan(60);
    }

    @Test
    void garbageIsRefusedNotMisread() {
        assertThatThrownBy(() -> CommandCodec.decode(ByteBuffer.wrap(new byte[] {99})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown command type");
        assertThatThrownBy(() -> CommandCodec.decode(ByteBuffer.wrap(new byte[] {5, 10, 'a'})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
