package io.tgcryptfs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JMH micro-benchmarks (ops/bench/jmh) are a separate build that nothing else compiles, and they once
 * stopped compiling against a changed API unnoticed until someone ran micro.sh. This compiles their
 * sources against the project's classes on every test run (JMH's annotation processor is left out: it
 * generates the harness, which only the benchmark build needs).
 */
class BenchmarkSourcesTest {
    private static final Path SOURCES = Path.of("ops/bench/jmh/src/main/java");

    @Test
    void theJmhBenchmarks_compileAgainstTheCurrentCode(@TempDir Path out) throws IOException {
        List<String> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().collect(Collectors.toList());
        }
        assertFalse(files.isEmpty(), "no benchmark sources under " + SOURCES.toAbsolutePath());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests run on a JDK");
        StringWriter diagnostics = new StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("-proc:none", "-Xlint:none", "-d", out.toString(),
                "-cp", System.getProperty("java.class.path")));
        args.addAll(files);
        int exit = javac.run(null, null, new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                diagnostics.write(b);
            }
        }, true), args.toArray(String[]::new));
        assertEquals(0, exit, "ops/bench/jmh does not compile against the current code:\n" + diagnostics);
    }
}
