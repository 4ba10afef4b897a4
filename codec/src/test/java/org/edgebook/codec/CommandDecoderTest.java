package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandDecoderTest {
    private final CommandDecoder decoder = new CommandDecoder();

    private Command decode(final String line) {
        final byte[] bytes = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
        return decoder.decode(bytes, 2, bytes.length - 4); // offsets are honoured
    }

    @Test
    void decodesEveryCommandType() {
        assertThat(decode("{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":6}"))
                .isEqualTo(new Command.DefineAsset("USD", 6));
        assertThat(decode("{\"type\":\"instrument\",\"symbol\":\"BTC-USD\",\"base\":\"BTC\",\"quote\":\"USD\","
                + "\"tickSize\":\"0.5\",\"lotSize\":\"0.001\"}"))
                .isEqualTo(new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("0.5"),
                        Decimal.parse("0.001")));
        assertThat(decode("{\"type\":\"deposit\",\"account\":\"a1\",\"asset\":\"USD\",\"amount\":\"100.5\"}"))
                .isEqualTo(new Command.Deposit("a1", "USD", Decimal.parse("100.5")));
        assertThat(decode("{\"type\":\"withdraw\",\"account\":\"a1\",\"asset\":\"USD\",\"amount\":\"1\"}"))
                .isEqualTo(new Command.Withdraw("a1", "USD", Decimal.parse("1")));
        assertThat(decode("{\"type\":\"place\",\"account\":\"a1\",\"clientOrderId\":\"o1\",\"symbol\":\"BTC-USD\","
                + "\"side\":\"BUY\",\"orderType\":\"LIMIT\",\"tif\":\"FOK\",\"price\":\"100.5\",\"quantity\":\"0.25\","
                + "\"postOnly\":true}"))
                .isEqualTo(new Command.Place("a1", "o1", "BTC-USD", Side.BUY, OrderType.LIMIT, TimeInForce.FOK,
                        Decimal.parse("100.5"), Decimal.parse("0.25"), true));
        assertThat(decode("{\"type\":\"cancel\",\"account\":\"a1\",\"clientOrderId\":\"o1\"}"))
                .isEqualTo(new Command.Cancel("a1", "o1"));
        assertThat(decode("{\"type\":\"modify\",\"account\":\"a1\",\"clientOrderId\":\"o1\",\"quantity\":\"0.2\"}"))
                .isEqualTo(new Command.Modify("a1", "o1", null, Decimal.parse("0.2")));
        assertThat(decode("{\"type\":\"book\",\"symbol\":\"BTC-USD\"}")).isEqualTo(new Command.QueryBook("BTC-USD"));
        assertThat(decode("{\"type\":\"transfer\",\"transferId\":\"t1\",\"from\":\"a1\",\"to\":\"a2\","
                + "\"asset\":\"USD\",\"amount\":\"10.5\"}"))
                .isEqualTo(new Command.Transfer("t1", "a1", "a2", "USD", Decimal.parse("10.5")));
        assertThat(decode("{\"type\":\"balances\",\"account\":\"a1\"}")).isEqualTo(new Command.QueryBalances("a1"));
    }

    @Test
    void anyCommandMayCarryASourceAndSourceSeq() {
        assertThat(decode("{\"type\":\"cancel\",\"account\":\"a1\",\"source\":\"edge-1\",\"clientOrderId\":\"o1\","
                + "\"sourceSeq\":7}")).isEqualTo(new Command.FromSender("edge-1", 7, new Command.Cancel("a1", "o1")));
        assertThat(decode("{\"sourceSeq\":9223372036854775807,\"source\":\"eu:fra\",\"type\":\"book\","
                + "\"symbol\":\"BTC-USD\"}")).isEqualTo(new Command.FromSender("eu:fra", Long.MAX_VALUE,
                        new Command.QueryBook("BTC-USD")));
        // Null means absent for the pair too.
        assertThat(decode("{\"type\":\"book\",\"symbol\":\"S\",\"source\":null,\"sourceSeq\":null}"))
                .isEqualTo(new Command.QueryBook("S"));
    }

    @Test
    void aMalformedPairMakesTheLineMalformedWithNoPair() {
        final String book = "{\"type\":\"book\",\"symbol\":\"S\",";
        assertThat(malformedDetail(book + "\"source\":\"edge-1\"}"))
                .isEqualTo("source needs a sourceSeq: send both or neither");
        assertThat(malformedDetail(book + "\"sourceSeq\":1,\"source\":null}"))
                .isEqualTo("sourceSeq needs a source: send both or neither");
        assertThat(malformedDetail(book + "\"source\":\"edge 1\",\"sourceSeq\":1}"))
                .isEqualTo("source may hold only A-Z, a-z, 0-9 and . _ - :; character 5 is U+0020");
        assertThat(malformedDetail(book + "\"source\":\"\",\"sourceSeq\":1}"))
                .isEqualTo("source must be a non-empty string");
        assertThat(malformedDetail(book + "\"source\":7,\"sourceSeq\":1}")).isEqualTo("source must be a string");
        for (final String seq : new String[] {"0", "-1", "1.5", "\"1\"", "9223372036854775808", "true", "[1]"}) {
            assertThat(malformedDetail(book + "\"source\":\"e\",\"sourceSeq\":" + seq + "}")).as(seq)
                    .isEqualTo("sourceSeq must be an integer from 1 to 9223372036854775807");
        }
        // The pair's fault is reported whatever else is wrong, and the line is nobody's numbered command.
        assertThat(malformedDetail("{\"type\":\"nope\",\"source\":\"e\",\"sourceSeq\":0}"))
                .isEqualTo("sourceSeq must be an integer from 1 to 9223372036854775807");
    }

    @Test
    void aWellNumberedLineThatIsOtherwiseMalformedKeepsItsPair() {
        final Command decoded = decode("{\"type\":\"place\",\"account\":\"a\",\"clientOrderId\":\"o\","
                + "\"side\":\"UP\",\"source\":\"edge-1\",\"sourceSeq\":3}");
        assertThat(decoded).isEqualTo(new Command.FromSender("edge-1", 3, new Command.Malformed(
                "side must be one of BUY, SELL", "a", "o")));
        assertThat(decode("{\"type\":\"nope\",\"source\":\"e\",\"sourceSeq\":2}")).isEqualTo(
                new Command.FromSender("e", 2, new Command.Malformed("unknown type 'nope'", null, null)));
        // A line that is not a JSON object at all has no pair to read.
        assertThat(decode("{\"source\":\"e\",\"sourceSeq\":2,")).isInstanceOf(Command.Malformed.class);
    }

    private String malformedDetail(final String line) {
        final Command decoded = decode(line);
        assertThat(decoded).as(line).isInstanceOf(Command.Malformed.class);
        return ((Command.Malformed) decoded).detail();
    }

    @Test
    void defaultsAreLeftToTheEngineAndNullMeansAbsent() {
        assertThat(decode("{\"symbol\":\"S\",\"type\":\"place\",\"account\":\"a\",\"clientOrderId\":\"o\","
                + "\"side\":\"SELL\",\"price\":null,\"quantity\":\"1\"}"))
                .isEqualTo(new Command.Place("a", "o", "S", Side.SELL, null, null, null, Decimal.parse("1"), false));
    }

    @Test
    void keepsAccountAndOrderIdOfAMalformedLine() {
        assertThat(decode("{\"type\":\"place\",\"account\":\"a\",\"clientOrderId\":\"o\",\"side\":\"UP\"}"))
                .isEqualTo(new Command.Malformed("side must be one of BUY, SELL", "a", "o"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json                                              | not valid JSON",
            "[1,2]                                                 | a command must be a JSON object",
            "\"text\"                                              | a command must be a JSON object",
            "{\"type\":\"asset\"                                   | not valid JSON",
            "{}                                                    | type is required",
            "{\"type\":7}                                          | type must be a string",
            "{\"type\":\"launch\"}                                 | unknown type 'launch'",
            "{\"type\":\"book\",\"symbol\":\"S\",\"x\":1}          | unknown field 'x'",
            "{\"type\":\"book\",\"symbol\":\"S\",\"account\":\"a\"} | field 'account' is not part of a book command",
            "{\"type\":\"book\",\"symbol\":\"S\",\"symbol\":\"T\"} | field 'symbol' appears twice",
            "{\"type\":\"asset\",\"asset\":\"X\",\"scale\":\"6\"}  | scale must be an integer from 0 to 18",
            "{\"type\":\"asset\",\"asset\":\"X\",\"scale\":6.0}    | scale must be an integer from 0 to 18",
            "{\"type\":\"asset\",\"asset\":\"X\",\"scale\":19}     | scale must be an integer from 0 to 18",
            "{\"type\":\"asset\",\"asset\":\"X\",\"scale\":99999999999} | scale must be an integer from 0 to 18",
            "{\"type\":\"asset\",\"asset\":\"X\"}                  | scale is required",
            "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\",\"amount\":100} | amount must be a decimal string",
            "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\",\"amount\":\"1e3\"} | amount must be a plain decimal",
            "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\",\"amount\":\"+1\"} | amount must be a plain decimal",
            "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\",\"amount\":\".5\"} | amount must be a plain decimal",
            "{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\",\"amount\":\" 1\"} | amount must be a plain decimal",
            "{\"type\":\"place\",\"postOnly\":\"yes\"}             | postOnly must be true or false",
            "{\"type\":\"place\",\"tif\":\"DAY\"}                  | tif must be one of GTC, IOC, FOK",
            "{\"type\":\"place\",\"account\":{\"id\":1}}           | account must be a string",
            "{\"type\":\"book\"} {\"type\":\"book\"}               | only one JSON object per line",
    })
    void malformedLinesSayWhatIsWrong(final String line, final String detail) {
        assertThat(decode(line.strip())).isInstanceOfSatisfying(Command.Malformed.class,
                m -> assertThat(m.detail()).startsWith(detail));
    }

    @Test
    void hugeNumbersAreOutOfRangeNotMalformed() {
        assertThat(decode("{\"type\":\"deposit\",\"account\":\"a\",\"asset\":\"X\","
                + "\"amount\":\"123456789012345678901234567890\"}"))
                .isEqualTo(new Command.Deposit("a", "X", Decimal.OUT_OF_RANGE));
    }

    @Test
    void decoderIsReusableAfterAnError() {
        decode("{\"type\":\"place\",\"account\":\"a\",\"side\":\"UP\"");
        assertThat(decode("{\"type\":\"balances\",\"account\":\"b\"}")).isEqualTo(new Command.QueryBalances("b"));
    }

    /** Issue 9, finding 1: text that cannot round-trip exactly is refused at the door. */
    @Test
    void anEscapedLoneSurrogateInANameIsMalformedAndNotEchoed() {
        final Command c = decode("{\"type\":\"place\",\"account\":\"a\",\"clientOrderId\":\"x\\ud800y\","
                + "\"symbol\":\"S\",\"side\":\"BUY\",\"price\":\"1\",\"quantity\":\"1\"}");
        assertThat(c).isEqualTo(new Command.Malformed("clientOrderId may hold only A-Z, a-z, 0-9 and . _ - :; "
                + "character 2 is U+D800", "a", null));
    }

    @Test
    void invalidOrOverlongUtf8IsMalformedWithItsByteOffset() {
        final byte[] overlong = "{\"type\":\"cancel\",\"account\":\"a\",\"clientOrderId\":\"x\u00c0\u00afy\"}"
                .getBytes(StandardCharsets.ISO_8859_1); // C0 AF: an overlong '/', which Jackson alone accepts
        assertThat(decoder.decode(overlong, 0, overlong.length)).isEqualTo(new Command.Malformed(
                "not valid UTF-8: byte 49 (0xc0) of the line", null, null));
        final byte[] surrogate = "{\"type\":\"book\",\"symbol\":\"\u00ed\u00a0\u0080\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(decoder.decode(surrogate, 0, surrogate.length)).isInstanceOf(Command.Malformed.class);
    }

    @Test
    void namesOutsideTheRuleAreMalformedWithTheFieldNamed() {
        assertThat(decode("{\"type\":\"transfer\",\"transferId\":\"" + "t".repeat(65) + "\",\"from\":\"a\","
                + "\"to\":\"b\",\"asset\":\"X\",\"amount\":\"1\"}")).isEqualTo(new Command.Malformed(
                        "transferId must be at most 64 characters, not 65", "a", null));
        assertThat(decode("{\"type\":\"balances\",\"account\":\"../etc\"}")).isEqualTo(new Command.Malformed(
                "account may hold only A-Z, a-z, 0-9 and . _ - :; character 3 is '/'", null, null));
        assertThat(decode("{\"type\":\"cancel\",\"account\":\"a\",\"clientOrderId\":\"\"}"))
                .isEqualTo(new Command.Cancel("a", "")); // empty is the engine's: "must be a non-empty string"
    }

    @Test
    void detailsQuoteTheSendersTextAsPrintableAscii() {
        final Command c = decode("{\"type\":\"place\",\"x\\u202e\\n\":1,\"y\":\"\\udc00\"}");
        assertThat(c).isEqualTo(new Command.Malformed("unknown field 'x\\u202E\\u000A'", null, null));
        assertThat(Utf8.firstLoneSurrogate(((Command.Malformed) c).detail())).isEqualTo(-1);
        assertThat(((Command.Malformed) decode("{\"type\":\"" + "q".repeat(500) + "\"}")).detail())
                .isEqualTo("unknown type '" + "q".repeat(40) + "...'");
    }
}
