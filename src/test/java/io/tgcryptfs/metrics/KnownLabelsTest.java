package io.tgcryptfs.metrics;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.Retry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The label values created at zero must be the ones the code reports, or a series is born with its burst. */
class KnownLabelsTest {
    @Test
    void fuseOps_areExactlyTheOpsTheAdapterReports() throws Exception {
        String adapter = Files.readString(Path.of("src/main/java/io/tgcryptfs/fuse/TgcryptFuse.java"));
        Matcher m = Pattern.compile("\\brun\\(\"([a-z]+)\"").matcher(adapter);
        TreeSet<String> reported = new TreeSet<>();
        while (m.find()) {
            reported.add(m.group(1));
        }
        assertEquals(reported, new TreeSet<>(FuseOps.ALL));
    }

    @Test
    void retryCauses_coverEveryBackendFailureKind_forUploadsAndDownloads() {
        for (BackendException.Kind kind : BackendException.Kind.values()) {
            String cause = Retry.cause(new BackendException(kind, "x", Duration.ZERO, null));
            assertTrue(RetryCauses.ALL.contains(cause), cause + " is not created at zero");
            boolean downloadsRetryIt = kind == BackendException.Kind.TRANSIENT || kind == BackendException.Kind.RATE_LIMITED;
            assertEquals(downloadsRetryIt, RetryCauses.ALL.contains(RetryCauses.download(cause)), RetryCauses.download(cause));
        }
    }

    @Test
    void errnoClasses_keepTheCommonErrnos_andFoldTheRestIntoOther() {
        assertEquals("ENOENT", ErrnoClasses.of("ENOENT"));
        assertEquals("ENOSPC", ErrnoClasses.of("ENOSPC"));
        assertEquals("other", ErrnoClasses.of("EINTR"));
        assertEquals(List.of(), ErrnoClasses.ALL.stream().filter(e -> !e.equals(ErrnoClasses.of(e))).toList());
    }
}
