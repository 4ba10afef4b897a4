package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A token's uses are taken once each, whatever runs at once (docs/control-plane.md section 2): 24 enrollments race
 * for a token of 5 uses, and 4 more race with one public key.
 */
class ConcurrentEnrollmentTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void eachUseIsTakenOnceAndEachKeyEnrollsOnce(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final String token = c.token("{\"uses\":5}");
            final ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                final List<Future<HttpResponse<String>>> racing = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    racing.add(pool.submit(() -> AuthAndEnrollmentTest.enroll(c, token, Control.newKey()
                            .publicRaw())));
                }
                final Map<String, Integer> outcomes = new TreeMap<>();
                for (final Future<HttpResponse<String>> f : racing) {
                    final HttpResponse<String> r = f.get();
                    outcomes.merge(r.statusCode() == 201 ? "enrolled" : new JsonObject(r.body()).getString("error"), 1,
                            Integer::sum);
                }
                assertThat(outcomes).isEqualTo(Map.of("enrolled", 5, "token_used", 19));

                final String many = c.token("{\"uses\":10}");
                final byte[] key = Control.newKey().publicRaw();
                final List<Future<HttpResponse<String>>> sameKey = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    sameKey.add(pool.submit(() -> AuthAndEnrollmentTest.enroll(c, many, key)));
                }
                final Map<String, Integer> keyOutcomes = new TreeMap<>();
                for (final Future<HttpResponse<String>> f : sameKey) {
                    final HttpResponse<String> r = f.get();
                    keyOutcomes.merge(r.statusCode() == 201 ? "enrolled" : new JsonObject(r.body()).getString("error"),
                            1, Integer::sum);
                }
                assertThat(keyOutcomes).isEqualTo(Map.of("enrolled", 1, "key_enrolled", 3));
            } finally {
                pool.shutdownNow();
            }
            final int[] nodes = {0};
            c.server.fleetView().forEach(n -> nodes[0]++);
            assertThat(nodes[0]).isEqualTo(6);
        }
    }
}
