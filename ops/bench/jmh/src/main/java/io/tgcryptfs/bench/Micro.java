package io.tgcryptfs.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs the benchmarks (JMH command-line options accepted, e.g. {@code -wi 2 -i 3 -f 1 Seal}) and prints
 * one table: throughput, MB/s (or puts/s) and the ratio to the baseline measured in the same run
 * (the {@link Row#baseline} method of the same class with the same parameters): "x baseline" divides
 * medians of the measurement iterations, "x best" the fastest iterations (on a shared machine other load
 * only ever slows an iteration down, so the best ones are the least disturbed).
 */
public final class Micro {
    private Micro() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        if (cli.getIncludes().isEmpty()) {
            builder.include("io\\.tgcryptfs\\.bench\\..*");
        }
        Options options = builder.parent(cli).build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println(machine());
        System.out.println();
        System.out.print(table(results));
    }

    static String table(Collection<RunResult> results) throws ClassNotFoundException {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"benchmark", "params", "ops/s", "min-max", "throughput", "baseline", "x baseline", "x best"});
        for (RunResult run : results) {
            BenchmarkParams params = run.getParams();
            String full = params.getBenchmark();
            String cls = full.substring(0, full.lastIndexOf('.'));
            String method = full.substring(full.lastIndexOf('.') + 1);
            Row row = row(cls, method);
            double[] scores = scores(run);
            double ops = median(scores);
            String throughput = "";
            if (row != null && row.bytes() > 0) {
                throughput = String.format(Locale.ROOT, "%.0f MB/s", ops * row.bytes() / 1e6);
            } else if (params.getParam("puts") != null) {
                throughput = String.format(Locale.ROOT, "%.0f puts/s", ops * Integer.parseInt(params.getParam("puts")));
            }
            String baseline = row == null ? "" : row.baseline();
            String ratio = "1.00";
            String best = "1.00";
            if (!baseline.isEmpty()) {
                Optional<RunResult> base = results.stream()
                        .filter(r -> r.getParams().getBenchmark().equals(cls + "." + baseline))
                        .filter(r -> sameParams(r.getParams(), params))
                        .findFirst();
                ratio = base.map(b -> ratio(ops / median(scores(b)))).orElse("n/a");
                best = base.map(b -> ratio(max(scores) / max(scores(b)))).orElse("n/a");
            }
            rows.add(new String[] {
                cls.substring(cls.lastIndexOf('.') + 1) + "." + method,
                params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k)).collect(Collectors.joining(",")),
                round(ops),
                String.format(Locale.ROOT, "%s-%s", round(scores[0]), round(scores[scores.length - 1])),
                throughput,
                baseline.isEmpty() ? "(baseline)" : baseline,
                ratio,
                best});
        }
        return markdown(rows);
    }

    /** Measurement iteration scores of every fork, sorted: the median resists a loaded machine better than the mean. */
    private static double[] scores(RunResult run) {
        return run.getBenchmarkResults().stream()
                .flatMap(b -> b.getIterationResults().stream())
                .mapToDouble(i -> i.getPrimaryResult().getScore())
                .sorted().toArray();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double max(double[] sorted) {
        return sorted[sorted.length - 1];
    }

    private static String round(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 10 ? "%.1f" : r >= 0.1 ? "%.2f" : "%.4f", r);
    }

    private static boolean sameParams(BenchmarkParams a, BenchmarkParams b) {
        return a.getParamsKeys().equals(b.getParamsKeys())
                && a.getParamsKeys().stream().allMatch(k -> a.getParam(k).equals(b.getParam(k)));
    }

    private static Row row(String cls, String method) throws ClassNotFoundException {
        for (Method m : Class.forName(cls).getMethods()) {
            if (m.getName().equals(method)) {
                return m.getAnnotation(Row.class);
            }
        }
        return null;
    }

    private static String markdown(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            out.append('|');
            for (int i = 0; i < r.length; i++) {
                boolean numeric = i >= 2 && i != 5;
                String cell = numeric ? " ".repeat(width[i] - r[i].length()) + r[i] : r[i] + " ".repeat(width[i] - r[i].length());
                out.append(' ').append(cell).append(" |");
            }
            out.append('\n');
            if (n == 0) {
                out.append('|');
                for (int i = 0; i < r.length; i++) {
                    boolean numeric = i >= 2 && i != 5;
                    out.append(' ').append("-".repeat(Math.max(3, width[i]) - (numeric ? 1 : 0))).append(numeric ? ":" : "").append(" |");
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (Exception ignored) {
            // not Linux
        }
        String load = "?";
        try {
            load = String.join(" ", java.util.Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
        } catch (Exception ignored) {
            // not Linux
        }
        return String.format(Locale.ROOT, "machine: %s, %d CPUs, %s %s, Java %s (%s), tmpdir %s, load average at end %s",
                cpu, Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.io.tmpdir"), load);
    }
}
