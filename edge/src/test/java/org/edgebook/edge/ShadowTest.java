package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestLog;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;
import org.junit.jupiter.api.Test;

class ShadowTest {
    @Test
    void samplesAreCutAtACharactersStartWithinTheLimit() {
        final byte[] text = ("a".repeat(1023) + "\u00e9\u00e9").getBytes(StandardCharsets.UTF_8);
        assertThat(Shadow.cut(text, text.length, Shadow.SAMPLE_BYTES)).isEqualTo("a".repeat(1023));
        final byte[] shortText = "h\u00e9".getBytes(StandardCharsets.UTF_8);
        assertThat(Shadow.cut(shortText, shortText.length, Shadow.SAMPLE_BYTES)).isEqualTo("h\u00e9");
        assertThat(Shadow.cut(new byte[] {'a', (byte) 0xff, 'b'}, 3, 1024)).isEqualTo("a?b");
    }

    @Test
    void aBusyShadowSkipsRequestsAndCountsThem() throws Exception {
        // A guest that spins until its CPU limit, one call at a time: the first call holds the shadow.
        final Limits oneSlow = new Limits(16, Duration.ofSeconds(5), Duration.ofSeconds(2), 1, 0, 1 << 20, 0);
        try (Watchdog watchdog = new Watchdog();
             Shadow shadow = new Shadow(SandboxedFunction.create("loop#shadow", new ModuleCache().load(Guests
                     .read("loop.wasm"), ExecutionMode.COMPILED), Convention.MEMORY, oneSlow, Map.of(),
                     GuestLog.SYSTEM, watchdog))) {
            final GuestCall call = new GuestCall("{}".getBytes(StandardCharsets.UTF_8), 2, Map.of(), "r-1", 0);
            for (int i = 0; i < 3; i++) {
                shadow.offer(call, 200, "{}".getBytes(StandardCharsets.UTF_8));
            }
            long compared = 0;
            long mismatches = 0;
            long skipped = 0;
            final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (compared + skipped < 3) {
                assertThat(System.nanoTime()).as("the shadow's call ends by its CPU limit").isLessThan(deadline);
                final Shadow.Interval interval = shadow.takeInterval();
                compared += interval.compared();
                mismatches += interval.mismatches();
                skipped += interval.skipped();
                LockSupport.parkNanos(5_000_000);
            }
            assertThat(skipped).isEqualTo(2);
            assertThat(compared).isEqualTo(1);
            assertThat(mismatches).isEqualTo(1); // the loop never answers 200 {}
        }
    }
}
