package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --key ID:SECRET} is read one way by every client tool, and a bad one is refused before anything runs. */
class ClientKeyTest {

    @Test
    void aKeyIsItsIdAndTheRestItsSecret() {
        final ClientKey key = new ClientKey.Converter().convert("k1:s:e:c");
        assertThat(key.id()).isEqualTo("k1");
        assertThat(new String(key.secret(), StandardCharsets.US_ASCII)).isEqualTo("s:e:c");
    }

    @Test
    void everyToolRefusesAKeyThatIsNotIdColonSecret() {
        for (final String bad : new String[] {"nocolon", ":secret", "id:"}) {
            for (final Object tool : new Object[] {new LoadCommand(), new BatchBench()}) {
                final StringWriter err = new StringWriter();
                final CommandLine line = new CommandLine(tool).setErr(new PrintWriter(err));
                final int exit = tool instanceof LoadCommand ? line.execute("--key", bad)
                        : line.execute("--key", bad, "--account", "bob");
                assertThat(exit).as(bad).isEqualTo(2);
                assertThat(err.toString()).as(bad).contains("a key is ID:SECRET", "not '" + bad + "'");
            }
        }
    }
}
