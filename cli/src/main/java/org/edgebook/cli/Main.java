package org.edgebook.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code edgebook} command. Each subcommand is a thin layer over a module's API. */
@Command(name = "edgebook", mixinStandardHelpOptions = true, version = "edgebook 0.1.0",
        description = "Fintech edge stack: settlement engine, edge runtime, control plane.",
        subcommands = {DemoCommand.class, UpCommand.class, LoadCommand.class, ReplayCommand.class, JournalCommand.class,
                ReportCommand.class, EdgeCommand.class, ControlCommand.class, BenchCommand.class, SignCommand.class,
                FleetCommand.class, PublishCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    static int run(final String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line: failures are reported in one line on stderr, exit code 1. */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("edgebook: " + describe(e));
                    return 1;
                });
    }

    /** A one-line reason for a failure, without a stack trace for the expected kinds. */
    private static String describe(final Exception e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + n.getFile();
            case java.io.FileNotFoundException f -> "cannot open " + f.getMessage();
            default -> e.toString();
        };
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
