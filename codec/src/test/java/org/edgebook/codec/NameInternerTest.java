package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NameInternerTest {

    @Test
    void sameNameGivesTheSameInstanceWithTheStringHash() {
        final NameInterner interner = new NameInterner(16);
        final char[] buffer = "xxalicexx".toCharArray();
        final String first = interner.intern(buffer, 2, 5);
        final String second = interner.intern("alice".toCharArray(), 0, 5);
        assertThat(first).isEqualTo("alice").isSameAs(second);
        assertThat(interner.intern("alicf".toCharArray(), 0, 5)).isEqualTo("alicf").isNotSameAs(first);
    }

    @Test
    void stopsHoldingNewNamesAtItsCapacity() {
        final NameInterner interner = new NameInterner(2);
        final String a = interner.intern("a".toCharArray(), 0, 1);
        final String b = interner.intern("b".toCharArray(), 0, 1);
        final String c1 = interner.intern("c".toCharArray(), 0, 1);
        final String c2 = interner.intern("c".toCharArray(), 0, 1);
        assertThat(interner.intern("a".toCharArray(), 0, 1)).isSameAs(a);
        assertThat(interner.intern("b".toCharArray(), 0, 1)).isSameAs(b);
        assertThat(c1).isEqualTo(c2).isEqualTo("c").isNotSameAs(c2);
    }
}
