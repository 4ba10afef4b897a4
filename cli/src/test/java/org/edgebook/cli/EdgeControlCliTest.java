package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edgebook edge --control}: the options' mistakes, each told in one line before the node starts. */
class EdgeControlCliTest {
    @TempDir
    Path dir;

    private int run(final ByteArrayOutputStream err, final String... args) {
        return Main.commandLine().setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
    }

    @Test
    void controlWithoutTrustIsRefused() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = run(err, "edge", "--control", "http://127.0.0.1:1", "--enroll-token", "et_x", "--data", dir
                .toString(), "--port", "0");
        // A usage error (picocli prints it, with the usage, to the process's stderr, as for --settlement's).
        assertThat(exit).isEqualTo(2);
        assertThat(dir.resolve("node-key.pem")).doesNotExist();
    }

    @Test
    void aBadTrustFileNamesItsLine() throws Exception {
        final Path trust = dir.resolve("trust");
        Files.writeString(trust, "# publishers\nacme not-a-key\n");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = run(err, "edge", "--control", "http://127.0.0.1:1", "--enroll-token", "et_x", "--trust",
                trust.toString(), "--data", dir.toString(), "--port", "0");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("trust file " + trust + " line 2:")
                .doesNotContain("\tat ");
    }

    @Test
    void anUnreachableControlPlaneFailsTheEnrollmentAfterTheNodeKeyIsMade() throws Exception {
        final Path trust = dir.resolve("trust");
        Files.writeString(trust, "acme 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n");
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = run(err, "edge", "--control", "http://127.0.0.1:" + closedPort, "--enroll-token", "et_x",
                "--trust", trust.toString(), "--data", dir.toString(), "--port", "0");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("POST /v1/enroll").doesNotContain("\tat ");
        assertThat(Files.getPosixFilePermissions(dir.resolve("node-key.pem"))).isEqualTo(PosixFilePermissions
                .fromString("rw-------"));
        assertThat(dir.resolve("control-node-id")).doesNotExist();
    }
}
