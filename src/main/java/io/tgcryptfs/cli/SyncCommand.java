package io.tgcryptfs.cli;

import io.tgcryptfs.pipeline.UploadStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Wait until the running mount has uploaded everything and published a restore point covering it.")
final class SyncCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @picocli.CommandLine.Option(names = "--replace-newer-root",
            description = {"Publish over a newer restore point on the backend instead of refusing: after a restore",
                    "from the fallback point, or to take over from a writer that is gone for good. The newer",
                    "point's changes are lost."})
    boolean replaceNewerRoot;

    private static final boolean TERMINAL = System.console() != null;
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private long firstNanos;
    private long firstUploaded = -1;
    private long lastLineNanos;
    private String lastLine = "";

    /** The line the mount sends for each progress report. */
    static String progressLine(UploadStatus s) {
        return "progress " + s.pendingPacks() + " " + s.pendingBytes() + " " + s.uploadedBytes()
                + (s.blockedReason() == null ? "" : " blocked: " + s.blockedReason());
    }

    @Override
    public Integer call() {
        try {
            options.askMount(options.settings(), replaceNewerRoot ? "sync-replace-newer-root" : "sync", this::show);
        } finally {
            if (TERMINAL) {
                System.out.println();
            }
        }
        System.out.println("everything is on the backend: the newest restore point covers all data written before this sync");
        return 0;
    }

    private void show(String line) {
        if (!line.startsWith("progress ")) {
            System.out.println(line);
            return;
        }
        String[] f = line.split(" ", 5);
        long packs = Long.parseLong(f[1]);
        long bytes = Long.parseLong(f[2]);
        long uploaded = Long.parseLong(f[3]);
        long now = System.nanoTime();
        if (firstUploaded < 0) {
            firstUploaded = uploaded;
            firstNanos = now;
        }
        double seconds = (now - firstNanos) / 1e9;
        double rate = seconds > 0 ? (uploaded - firstUploaded) / seconds : 0;
        String eta = rate > 0 ? String.format("%.0f s", bytes / rate) : "?";
        int width = 30;
        long total = bytes + uploaded - firstUploaded;
        int done = total == 0 ? width : (int) (width * (double) (uploaded - firstUploaded) / total);
        String text = String.format("[%s%s] %d packs, %.1f MiB left, %.2f MiB/s, ETA %s%s", "#".repeat(done),
                " ".repeat(width - done), packs, bytes / 1048576.0, rate / 1048576.0, eta,
                f.length > 4 ? " " + f[4] : "");
        if (TERMINAL) {
            System.out.print("\r" + text);
            System.out.flush();
        } else if (now - lastLineNanos >= LOG_EVERY_NANOS || !text.equals(lastLine)) {
            // a log or a pipe gets whole lines, at most every few seconds unless something changed
            System.out.println(text);
            lastLineNanos = now;
            lastLine = text;
        }
    }
}
