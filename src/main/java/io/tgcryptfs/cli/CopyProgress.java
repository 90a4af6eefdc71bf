package io.tgcryptfs.cli;

import io.tgcryptfs.timemachine.BundleSync;

import java.io.PrintStream;

/**
 * Progress of a copy: a bar redrawn in place on a terminal, a whole line every few seconds on a log or a
 * pipe (where carriage returns would pile up into one unreadable line).
 */
final class CopyProgress implements BundleSync.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private final long intervalNanos;
    private long total;
    private long files;
    private long done;
    private long started;
    private long lastPrinted;

    CopyProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
        this.intervalNanos = terminal ? 200_000_000L : 5_000_000_000L;
    }

    @Override
    public void planned(long fileCount, long bytes) {
        files = fileCount;
        total = bytes;
        started = System.nanoTime();
        lastPrinted = started;
        out.printf("to copy: %d files, %.1f MiB%n", fileCount, bytes / 1048576.0);
    }

    @Override
    public void copied(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (now - lastPrinted >= intervalNanos) {
            lastPrinted = now;
            print(now, false);
        }
    }

    /** The last state, on a line of its own. */
    void finish() {
        if (files > 0) {
            print(System.nanoTime(), true);
        }
    }

    private void print(long now, boolean last) {
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
        int percent = total == 0 ? 100 : (int) (done * 100 / total);
        String text = String.format("%s %3d%%  %.1f/%.1f MiB  %.1f MiB/s%s", bar(percent), percent,
                done / 1048576.0, total / 1048576.0, rate / 1048576.0, last || eta < 0 ? "" : "  ETA " + eta + " s");
        if (terminal) {
            out.print("\r" + text + (last ? "\n" : ""));
        } else {
            out.println(text);
        }
        out.flush();
    }

    private static String bar(int percent) {
        int filled = percent / 5;
        return "[" + "#".repeat(filled) + " ".repeat(20 - filled) + "]";
    }
}
