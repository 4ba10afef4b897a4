package org.edgebook.bench;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.edgebook.codec.JsonCommandWriter;
import org.edgebook.engine.Command;

/**
 * Writes a command file of the realistic mix for {@code edgebook replay}:
 * {@code java -cp bench/target/benchmarks.jar org.edgebook.bench.GenerateFlow COMMANDS FILE}.
 * The file starts with the setup (10 markets, 10,000 funded accounts) and is {@code COMMANDS} lines in all.
 */
public final class GenerateFlow {
    private GenerateFlow() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: GenerateFlow COMMANDS FILE");
            System.exit(2);
        }
        final int total = Integer.parseInt(args[0]);
        final Workload workload = new Workload(42, 10, 10_000, Workload.REALISTIC);
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(args[1]), 1 << 16);
             JsonCommandWriter writer = new JsonCommandWriter(out)) {
            int written = 0;
            for (final Command command : workload.setup()) {
                if (written++ < total) {
                    writer.write(command);
                }
            }
            while (written++ < total) {
                writer.write(workload.next());
            }
        }
    }
}
