package org.edgebook.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgebook.edge.forward.ForwardHarness.waitFor;

import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.random.RandomGenerator;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.edge.tx.ClientKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRefresherTest {
    @TempDir
    Path dir;

    static byte[] newKey() throws Exception {
        return Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate())
                .publicRaw();
    }

    @Test
    void appliesNewKeysAndRevocationsAndSurvivesFailures() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            final byte[] alice = newKey();
            h.settlement.addKey("ck-alice1", "alice", alice);
            h.settlement.addKey("ck-bob1", "bob", newKey());
            final SettlementClient client = new SettlementClient(h.vertx,
                    URI.create("http://127.0.0.1:" + h.settlement.port()), ForwardHarness.NODE, h.nodeKey,
                    SettlementClient.Options.defaults().withTimeout(5_000));
            final ClientKeys keys = new ClientKeys();
            h.metrics.forwarding().watch(keys, System::currentTimeMillis);
            assertThat(h.metrics.scrape()).contains("edge_client_keys_refresh_age_seconds -1.0");
            try (KeyRefresher r = new KeyRefresher(h.vertx, client, keys, KeyRefresher.Options.defaults()
                    .withInterval(10).withBackoff(5, 20, RandomGenerator.getDefault())).start()) {
                waitFor("both keys", () -> keys.size() == 2);
                assertThat(keys.get("ck-alice1").account()).isEqualTo("alice");
                assertThat(keys.get("ck-alice1").key()).isEqualTo(Ed25519Key.Public.of(alice));
                assertThat(keys.get("ck-alice1").revoked()).isFalse();
                assertThat(keys.version()).isEqualTo(2);
                assertThat(r.lastSuccessMillis()).isPositive();

                h.settlement.revokeKey("ck-alice1");
                waitFor("the revocation", () -> keys.get("ck-alice1").revoked());
                assertThat(keys.version()).isEqualTo(3);
                assertThat(keys.get("ck-bob1").revoked()).isFalse();

                h.settlement.failKeys(3);
                h.settlement.addKey("ck-carol1", "carol", newKey());
                waitFor("a failure to be seen", () -> r.failures() > 0);
                assertThat(keys.get("ck-alice1").revoked()).isTrue(); // the keys held stay
                assertThat(r.lastError()).contains("status 503");
                waitFor("the new key after the failures", () -> keys.get("ck-carol1") != null);
                assertThat(r.failures()).isZero();
                assertThat(r.lastError()).isNull();
                assertThat(keys.version()).isEqualTo(4);
                assertThat(h.metrics.scrape()).doesNotContain("edge_client_keys_refresh_age_seconds -1.0");
            } finally {
                client.close();
            }
            assertThat(h.settlement.unauthorized()).isEmpty();
        }
    }
}
