package io.tgcryptfs.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the process costs the machine: resident memory, open file descriptors, heap in use, CPU and GC time.
 * Kamon's JVM module covers GC, threads and memory pools; its process module is not used, because its
 * file descriptor counts read 0 on Linux here and its hiccup monitor wakes a thread every millisecond.
 * Reads {@code /proc/self}: on other systems those two gauges stay at 0.
 */
final class ProcessGauges {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessGauges() {
    }

    static void register(Metrics metrics) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        metrics.gauge("process-resident-bytes", ProcessGauges::residentBytes);
        metrics.gauge("process-open-fds", ProcessGauges::openFds);
        metrics.gauge("jvm-heap-used-bytes", () -> memory.getHeapMemoryUsage().getUsed());
        // Kamon's GC histogram appears with the first collection; this total exists from the start
        metrics.secondsTotal("jvm-gc", () -> ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(gc -> Math.max(0, gc.getCollectionTime())).sum() * 1_000_000);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            metrics.secondsTotal("process-cpu", os::getProcessCpuTime);
        }
    }

    /** VmRSS of {@code /proc/self/status}, which says its unit (kB), unlike statm's pages. */
    static long residentBytes() {
        try (Stream<String> lines = Files.lines(STATUS)) {
            return lines.filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> l.replaceAll("[^0-9]", ""))
                    .mapToLong(kb -> Long.parseLong(kb) * 1024)
                    .findFirst().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(FDS)) {
            // the listing's own descriptor is one of them
            return Math.max(0, fds.count() - 1);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
