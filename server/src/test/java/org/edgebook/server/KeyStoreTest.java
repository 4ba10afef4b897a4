package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.edgebook.journal.DataDirLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys at rest: the master key and keys.txt are born owner-only, a loose or broken master key is named, a refused
 * start writes nothing, and a change that cannot be written is not made.
 */
class KeyStoreTest {
    private final List<String> warnings = new ArrayList<>();

    @Test
    void theMasterKeyIsBornOwnerOnlyInOwnerOnlyFoldersWithTheFirstKey(@TempDir final Path dir) throws IOException {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("home/.edgebook/master.key");
        final KeyStore keys = KeyStore.open(data, master, warnings::add);
        assertThat(dir.resolve("home")).doesNotExist(); // opening writes nothing
        assertThat(data).doesNotExist();
        final ApiKey admin = keys.create(null);
        assertThat(mode(master)).isEqualTo("rw-------");
        assertThat(mode(master.getParent())).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("home"))).isEqualTo("rwx------");
        assertThat(mode(data.resolve(KeyStore.FILE_NAME))).isEqualTo("rw-------");
        assertThat(Files.readString(master).strip()).hasSize(64).matches("[0-9a-f]+");
        assertThat(KeyStore.open(data, master, warnings::add).find(admin.id()).secret()).isEqualTo(admin.secret());
        assertThat(warnings).isEmpty();
        try (Stream<Path> left = Files.list(master.getParent())) {
            assertThat(left).containsExactly(master); // no temporary file behind
        }
    }

    @Test
    void aMasterKeyOthersCanReadIsUsedWithAWarningNamingItAndItsMode(@TempDir final Path dir) throws IOException {
        final Path master = dir.resolve("master.key");
        final ApiKey key = KeyStore.open(dir.resolve("data"), master, warnings::add).create("alice");
        Files.setPosixFilePermissions(master, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(KeyStore.open(dir.resolve("data"), master, warnings::add).find(key.id())).isNotNull();
        assertThat(warnings).singleElement().asString().contains(master.toString(), "rw-r--r--", "chmod 600");
    }

    @Test
    void aBrokenMasterKeyIsRefusedNamingTheFileAndWhatIsWrong(@TempDir final Path dir) throws IOException {
        final Path master = dir.resolve("master.key");
        Files.writeString(master, "zz" + "ab".repeat(31));
        assertThatThrownBy(() -> KeyStore.open(dir.resolve("data"), master, warnings::add))
                .isInstanceOf(IOException.class).hasMessageContaining(master.toString())
                .hasMessageContaining("not hex").hasMessageContaining("character 1");
        Files.writeString(master, "ab".repeat(16) + "\n");
        assertThatThrownBy(() -> KeyStore.open(dir.resolve("data"), master, warnings::add))
                .isInstanceOf(IOException.class).hasMessageContaining(master.toString())
                .hasMessageContaining("32 hex digits").hasMessageContaining("64 hex digits");
    }

    @Test
    void aStartRefusedForAMissingMasterKeyWritesNothing(@TempDir final Path dir) throws IOException {
        final Path data = dir.resolve("data");
        SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, data, dir.resolve("master.key"), 100),
                true, w -> {}).close();
        final Map<String, String> before = contents(data);
        final Path missing = dir.resolve("elsewhere/master.key");
        assertThatThrownBy(() -> SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, data, missing,
                100), true, w -> {})).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining(data.resolve("keys.txt").toString());
        assertThat(dir.resolve("elsewhere")).doesNotExist();
        assertThat(contents(data)).isEqualTo(before); // no key file, no journal segment
        DataDirLock.acquire(data).close(); // and no lock left held
    }

    @Test
    void aChangeThatCannotBeWrittenIsNotMade(@TempDir final Path dir) throws IOException {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("master.key");
        final boolean[] diskFails = {false};
        final KeyStore.FileWriter disk = (file, text) -> {
            if (diskFails[0]) {
                throw new IOException("cannot write " + file + ": No space left on device");
            }
            KeyStore.writeOwnerOnly(file, text);
        };
        final KeyStore keys = KeyStore.open(data, master, warnings::add, disk);
        final ApiKey alice = keys.create("alice");

        diskFails[0] = true;
        assertThatThrownBy(() -> keys.create("bob")).hasMessageContaining("No space left");
        assertThatThrownBy(() -> keys.revoke(alice.id())).hasMessageContaining("No space left");
        assertThat(keys.all()).extracting(ApiKey::id).containsExactly(alice.id()); // bob never made, alice kept
        assertThat(keys.find(alice.id())).isNotNull();

        // One outcome, the same after a restart.
        final KeyStore restarted = KeyStore.open(data, master, warnings::add);
        assertThat(restarted.all()).extracting(ApiKey::id).containsExactly(alice.id());

        diskFails[0] = false;
        assertThat(keys.revoke(alice.id())).isTrue();
        assertThat(keys.find(alice.id())).isNull();
        assertThat(KeyStore.open(data, master, warnings::add).isEmpty()).isTrue();
    }

    @Test
    void aClientKeyThatCannotBeWrittenIsNotRegisteredNorRevoked(@TempDir final Path dir) throws Exception {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("master.key");
        final boolean[] diskFails = {false};
        final KeyStore.FileWriter disk = (file, text) -> {
            if (diskFails[0]) {
                throw new IOException("cannot write " + file + ": No space left on device");
            }
            KeyStore.writeOwnerOnly(file, text);
        };
        final KeyStore keys = KeyStore.open(data, master, warnings::add, disk);
        final byte[] alice = raw();
        final ClientSigningKey registered = keys.registerClientKey("alice", alice);
        assertThat(mode(data.resolve(KeyStore.CLIENT_FILE_NAME))).isEqualTo("rw-------");

        diskFails[0] = true;
        final byte[] bob = raw();
        assertThatThrownBy(() -> keys.registerClientKey("bob", bob)).hasMessageContaining("No space left");
        assertThatThrownBy(() -> keys.revokeClientKey(registered.id())).hasMessageContaining("No space left");
        assertThat(keys.clientKeys()).extracting(ClientSigningKey::id).containsExactly(registered.id());
        assertThat(keys.findClientKey(registered.id()).revoked()).isFalse();
        final KeyStore restarted = KeyStore.open(data, master, warnings::add);
        assertThat(restarted.clientKeys()).extracting(ClientSigningKey::id).containsExactly(registered.id());

        diskFails[0] = false;
        assertThat(keys.revokeClientKey(registered.id())).isTrue();
        assertThat(KeyStore.open(data, master, warnings::add).findClientKey(registered.id()).revoked()).isTrue();
        assertThatThrownBy(() -> keys.registerClientKey("alice", alice)).hasMessageContaining("was revoked");
    }

    @Test
    void aDamagedClientKeyLineIsRefusedNamingTheFileAndLine(@TempDir final Path dir) throws Exception {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("master.key");
        final KeyStore keys = KeyStore.open(data, master, warnings::add);
        final ClientSigningKey key = keys.registerClientKey("alice", raw());
        final Path file = data.resolve(KeyStore.CLIENT_FILE_NAME);
        Files.writeString(file, Files.readString(file).replace(key.id(), "ck-AAAAAAAAAAAAAAAA"));
        assertThatThrownBy(() -> KeyStore.open(data, master, warnings::add))
                .hasMessageContaining(file + " line 2: the id is not the key's");
    }

    @Test
    void clientKeyVersionsOnlyGrowAndAFileFromBeforeVersionsGetsThemInItsOrder(@TempDir final Path dir)
            throws Exception {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("master.key");
        final KeyStore keys = KeyStore.open(data, master, warnings::add);
        final ClientSigningKey a = keys.registerClientKey("alice", raw());
        final ClientSigningKey b = keys.registerClientKey("bob", raw());
        assertThat(a.version()).isEqualTo(1);
        assertThat(b.version()).isEqualTo(2);
        assertThat(keys.registerClientKey("alice", a.raw()).version()).isEqualTo(1); // the same key: no change
        assertThat(keys.revokeClientKey(a.id())).isTrue();
        assertThat(keys.clientKeysAfter(0).version()).isEqualTo(3);
        assertThat(keys.clientKeysAfter(2).keys()).extracting(ClientSigningKey::id).containsExactly(a.id());
        assertThat(KeyStore.open(data, master, warnings::add).clientKeysAfter(2).keys())
                .extracting(ClientSigningKey::id, ClientSigningKey::version, ClientSigningKey::revoked)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(a.id(), 3L, true));
        // A file written before versions: 'id account key state', versions 1, 2, … in its order.
        final Path file = data.resolve(KeyStore.CLIENT_FILE_NAME);
        final java.util.List<String> lines = Files.readAllLines(file);
        final StringBuilder old = new StringBuilder(lines.getFirst()).append('\n');
        for (final String line : lines.subList(1, lines.size()).reversed()) {
            old.append(line, 0, line.lastIndexOf(' ')).append('\n');
        }
        Files.writeString(file, old);
        final KeyStore legacy = KeyStore.open(data, master, warnings::add);
        assertThat(legacy.clientKeysAfter(0).keys()).extracting(ClientSigningKey::id).containsExactly(a.id(), b.id());
        assertThat(legacy.clientKeysAfter(0).version()).isEqualTo(2);
        final ClientSigningKey c = legacy.registerClientKey("carol", raw());
        assertThat(c.version()).isEqualTo(3);
        assertThat(KeyStore.open(data, master, warnings::add).clientKeysAfter(2).keys())
                .extracting(ClientSigningKey::id).containsExactly(c.id());
    }

    @Test
    void aNodeThatCannotBeWrittenIsNotRegisteredNorRevokedAndADamagedLineIsNamed(@TempDir final Path dir)
            throws Exception {
        final Path data = dir.resolve("data");
        final Path master = dir.resolve("master.key");
        final boolean[] diskFails = {false};
        final KeyStore.FileWriter disk = (file, text) -> {
            if (diskFails[0]) {
                throw new IOException("cannot write " + file + ": No space left on device");
            }
            KeyStore.writeOwnerOnly(file, text);
        };
        final KeyStore keys = KeyStore.open(data, master, warnings::add, disk);
        keys.registerNode("fra-1", raw());
        assertThat(mode(data.resolve(KeyStore.NODE_FILE_NAME))).isEqualTo("rw-------");
        diskFails[0] = true;
        assertThatThrownBy(() -> keys.registerNode("ams-1", raw())).hasMessageContaining("No space left");
        assertThatThrownBy(() -> keys.revokeNode("fra-1")).hasMessageContaining("No space left");
        assertThat(keys.nodes()).extracting(NodeKey::id, NodeKey::revoked)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("fra-1", false));
        diskFails[0] = false;
        assertThat(keys.revokeNode("fra-1")).isTrue();
        assertThat(KeyStore.open(data, master, warnings::add).findNode("fra-1").revoked()).isTrue();
        assertThatThrownBy(() -> keys.registerNode("fra-1", raw())).isInstanceOf(IllegalStateException.class);

        final Path file = data.resolve(KeyStore.NODE_FILE_NAME);
        Files.writeString(file, Files.readString(file).replace("fra-1", "fra:1"));
        assertThatThrownBy(() -> KeyStore.open(data, master, warnings::add))
                .hasMessageContaining(file + " line 2: node holds ':'");
    }

    private static byte[] raw() throws Exception {
        return org.edgebook.codec.TransactionSignature.raw(java.security.KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair().getPublic());
    }

    private static String mode(final Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static Map<String, String> contents(final Path dir) throws IOException {
        final Map<String, String> files = new HashMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (final Path file : list.toList()) {
                files.put(file.getFileName().toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(file)));
            }
        }
        return files;
    }
}
