package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StringTableTest {

    @Test
    void agreesWithHashMapForShortLongAndNonLatinKeys() {
        final StringTable<Integer> table = new StringTable<>(8);
        final Map<String, Integer> reference = new HashMap<>();
        final SplittableRandom random = new SplittableRandom(11);
        final String alphabet = "ab\u00e9\u0100\u4e2d0";
        for (int i = 0; i < 50_000; i++) {
            final int length = random.nextInt(24);
            final StringBuilder key = new StringBuilder();
            for (int j = 0; j < length; j++) {
                key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            final String k = key.toString();
            if (random.nextBoolean()) {
                table.put(k, i);
                reference.put(k, i);
            }
            assertThat(table.get(new String(k))).isEqualTo(reference.get(k));
        }
        assertThat(table.size()).isEqualTo(reference.size());
        for (final Map.Entry<String, Integer> e : reference.entrySet()) {
            assertThat(table.get(e.getKey())).isEqualTo(e.getValue());
        }
    }

    @Test
    void keysThatPackAlikeButDifferInLengthAreDistinct() {
        final StringTable<String> table = new StringTable<>(8);
        table.put("a", "one");
        table.put("a\u0000", "two");
        table.put("", "empty");
        assertThat(table.get("a")).isEqualTo("one");
        assertThat(table.get("a\u0000")).isEqualTo("two");
        assertThat(table.get("")).isEqualTo("empty");
        assertThat(table.get("a\u0000\u0000")).isNull();
    }

    @Test
    void growingReportsEveryValuesNewSlot() {
        final Map<String, Integer> slots = new HashMap<>();
        final StringTable<String> table = new StringTable<>(8) {
            @Override
            void moved(final String value, final int slot) {
                slots.put(value, slot);
            }
        };
        for (int i = 0; i < 1000; i++) {
            final String key = "order-" + i;
            slots.put(key, table.put(key, key));
        }
        for (final Map.Entry<String, Integer> e : slots.entrySet()) {
            assertThat(table.slotOf(e.getKey())).isEqualTo(e.getValue());
            assertThat(table.valueAt(e.getValue())).isEqualTo(e.getKey());
        }
    }
}
