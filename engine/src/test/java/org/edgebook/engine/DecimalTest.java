package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalTest {

    @Test
    void parsesPlainDecimalsAndNormalisesTrailingZeros() {
        assertThat(Decimal.parse("100.50")).isEqualTo(Decimal.of(1005, 1));
        assertThat(Decimal.parse("-12.5")).isEqualTo(Decimal.of(-125, 1));
        assertThat(Decimal.parse("0.000")).isEqualTo(Decimal.ZERO);
        assertThat(Decimal.parse("007")).isEqualTo(Decimal.of(7, 0));
        assertThat(Decimal.parse("1.10").scale()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", ".5", "5.", "+5", "1e3", "1E3", " 1", "1 ", "1.2.3", "--1", "0x10", "1,5", "NaN"})
    void rejectsAnythingButPlainSyntax(final String text) {
        assertThat(Decimal.tryParse(text, 0, text.length())).isNull();
        assertThatThrownBy(() -> Decimal.parse(text)).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void tooManyDigitsIsOutOfRangeNotAWrap() {
        assertThat(Decimal.parse("9223372036854775807")).isEqualTo(Decimal.of(Long.MAX_VALUE, 0));
        assertThat(Decimal.parse("9223372036854775808").isOutOfRange()).isTrue();
        assertThat(Decimal.parse("123456789012345678901234567890").isOutOfRange()).isTrue();
        assertThat(Decimal.parse("1.00000000000000000000000000001").isOutOfRange()).isTrue();
        // Trailing zeros never push a value out of range.
        assertThat(Decimal.parse("1.000000000000000000000000000000")).isEqualTo(Decimal.of(1, 0));
    }

    @Test
    void convertsToUnitsOnlyWhenExact() {
        assertThat(Decimal.parse("100.5").toUnits(2)).isEqualTo(10050);
        assertThat(Decimal.parse("100.505").toUnits(2)).isEqualTo(Decimal.NOT_REPRESENTABLE);
        assertThat(Decimal.parse("9223372036854775807").toUnits(1)).isEqualTo(Decimal.NOT_REPRESENTABLE);
        assertThat(Decimal.parse("922337203685477580.7").toUnits(1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Decimal.OUT_OF_RANGE.toUnits(18)).isEqualTo(Decimal.NOT_REPRESENTABLE);
        assertThat(Decimal.parse("-3").toUnits(18)).isEqualTo(-3_000_000_000_000_000_000L);
    }

    @Test
    void formatsShortestExactForm() {
        assertThat(Decimal.toString(10050, 2)).isEqualTo("100.5");
        assertThat(Decimal.toString(5, 2)).isEqualTo("0.05");
        assertThat(Decimal.toString(-5, 3)).isEqualTo("-0.005");
        assertThat(Decimal.toString(0, 6)).isEqualTo("0");
        assertThat(Decimal.toString(1200, 0)).isEqualTo("1200");
        assertThat(Decimal.toString(Long.MAX_VALUE, 18)).isEqualTo("9.223372036854775807");
        assertThat(Decimal.parse("100.50").toString()).isEqualTo("100.5");
    }
}
