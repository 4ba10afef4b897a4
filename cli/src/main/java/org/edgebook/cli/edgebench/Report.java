package org.edgebook.cli.edgebench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Writes the edge benchmark's results as Markdown (results.md) and JSON (results.json). */
final class Report {
    private Report() {
    }

    static void write(final EdgeBench.Options options, final List<EdgeBench.Outcome> outcomes,
                      final Map<String, Object> inProcess, final Path dir) throws IOException {
        final double nativeThroughput = outcomes.stream().filter(o -> o.name().equals("native"))
                .mapToDouble(o -> o.closed().throughput()).findFirst().orElse(Double.NaN);
        final double nativeP99 = outcomes.stream().filter(o -> o.name().equals("native"))
                .mapToDouble(o -> o.closed().latencyMicros().getValueAtPercentile(99) / 1000.0).findFirst()
                .orElse(Double.NaN);
        final StringBuilder md = new StringBuilder();
        md.append("Edge benchmark, ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(": JSON transform, ").append(options.events()).append(" events per request, ")
                .append(options.connections()).append(" connections, closed loop, ")
                .append(fmt(options.warmupSeconds(), 0)).append(" s warm-up then ").append(fmt(options.seconds(), 0))
                .append(" s measured per target; ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores shared by load generator and server. Edge node JVM options: `")
                .append(options.edgeJvmOptions()).append("`.\n\n");
        md.append("| target | answers agree | req/s | vs native | p50 ms | p99 ms | p99.9 ms | max ms | errors "
                + "| start to ready ms | peak RSS MB | module bytes |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final EdgeBench.Outcome o : outcomes) {
            final Histogram h = o.closed().latencyMicros();
            md.append("| ").append(o.name()).append(" | ").append(o.agrees() ? "yes" : "**no**").append(" | ")
                    .append(fmt(o.closed().throughput(), 0)).append(" | ")
                    .append(fmt(o.closed().throughput() / nativeThroughput, 2)).append(" | ")
                    .append(ms(h, 50)).append(" | ").append(ms(h, 99)).append(" | ").append(ms(h, 99.9)).append(" | ")
                    .append(fmt(h.getMaxValue() / 1000.0, 1)).append(" | ").append(o.closed().errors()).append(" | ")
                    .append(fmt(o.startupMicros() / 1000.0, 0)).append(" | ").append(o.peakRssBytes() >> 20)
                    .append(" | ").append(o.moduleBytes() == 0 ? "-" : Long.toString(o.moduleBytes())).append(" |\n");
        }
        if (outcomes.stream().anyMatch(o -> o.rated() != null)) {
            md.append("\nAt a fixed rate of ").append(fmt(options.rate(), 0))
                    .append(" req/s (latency from when each request was due: coordinated omission corrected):\n\n")
                    .append("| target | answered | errors | p50 ms | p99 ms | p99.9 ms | max ms |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (final EdgeBench.Outcome o : outcomes) {
                if (o.rated() != null) {
                    final Histogram h = o.rated().latencyMicros();
                    md.append("| ").append(o.name()).append(" | ").append(o.rated().answered()).append(" | ")
                            .append(o.rated().errors()).append(" | ").append(ms(h, 50)).append(" | ").append(ms(h, 99))
                            .append(" | ").append(ms(h, 99.9)).append(" | ").append(fmt(h.getMaxValue() / 1000.0, 1))
                            .append(" |\n");
                }
            }
        }
        md.append("\nIn-process measures (this JVM, through the sandbox API):\n\n");
        inProcess.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v instanceof Double d
                ? fmt(d, d < 100 ? 2 : 0) : v).append('\n'));
        outcomes.stream().filter(o -> !o.note().isEmpty())
                .forEach(o -> md.append("- ").append(o.name()).append(" (measured by the Node.js server at start): ")
                        .append(o.note()).append('\n'));
        md.append("\nGoals: WASM ≥ 0.67 × native throughput with p99 within 2 × native (native p99 here: ")
                .append(fmt(nativeP99, 2)).append(" ms); instantiation < 50 µs; telemetry ≥ 2M events/s per core "
                        + "through WASM; edge node RSS ≤ 40 MB.\n");
        Files.writeString(dir.resolve("results.md"), md.toString());

        final StringBuilder json = new StringBuilder("{\"events_per_request\":").append(options.events())
                .append(",\"connections\":").append(options.connections()).append(",\"seconds\":").append(options
                        .seconds())
                .append(",\"warmup_seconds\":").append(options.warmupSeconds()).append(",\"edge_jvm_options\":\"")
                .append(options.edgeJvmOptions().replace("\"", "\\\"")).append("\",\"targets\":[");
        for (int i = 0; i < outcomes.size(); i++) {
            final EdgeBench.Outcome o = outcomes.get(i);
            final Histogram h = o.closed().latencyMicros();
            json.append(i > 0 ? "," : "").append("{\"name\":\"").append(o.name()).append("\",\"agrees\":")
                    .append(o.agrees()).append(",\"throughput\":").append(fmt(o.closed().throughput(), 1).replace(",",
                            ""))
                    .append(",\"answered\":").append(o.closed().answered()).append(",\"errors\":").append(o.closed()
                            .errors())
                    .append(",\"p50_us\":").append(h.getValueAtPercentile(50)).append(",\"p99_us\":")
                    .append(h.getValueAtPercentile(99)).append(",\"p999_us\":").append(h.getValueAtPercentile(99.9))
                    .append(",\"max_us\":").append(h.getMaxValue()).append(",\"startup_us\":").append(o.startupMicros())
                    .append(",\"peak_rss_bytes\":").append(o.peakRssBytes()).append(",\"module_bytes\":")
                    .append(o.moduleBytes());
            if (o.rated() != null) {
                final Histogram r = o.rated().latencyMicros();
                json.append(",\"fixed_rate\":{\"rate\":").append(options.rate()).append(",\"answered\":")
                        .append(o.rated().answered()).append(",\"errors\":").append(o.rated().errors())
                        .append(",\"p50_us\":").append(r.getValueAtPercentile(50)).append(",\"p99_us\":")
                        .append(r.getValueAtPercentile(99)).append(",\"p999_us\":").append(r.getValueAtPercentile(99.9))
                        .append(",\"max_us\":").append(r.getMaxValue()).append('}');
            }
            json.append(",\"note\":\"").append(o.note()).append("\"}");
        }
        json.append("],\"in_process\":{");
        int i = 0;
        for (final Map.Entry<String, Object> e : inProcess.entrySet()) {
            json.append(i++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":")
                    .append(e.getValue() instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : e.getValue());
        }
        json.append("}}\n");
        Files.writeString(dir.resolve("results.json"), json.toString());
    }

    private static String ms(final Histogram h, final double percentile) {
        return fmt(h.getValueAtPercentile(percentile) / 1000.0, 2);
    }

    private static String fmt(final double value, final int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
