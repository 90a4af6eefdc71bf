package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoverageTest {
    static final Instant NOW = Instant.parse("2026-11-28T20:00:00Z");

    @Test
    void aPointCapturedAfterTheWrite_coversIt() {
        String v = Coverage.verdict(NOW.minusSeconds(60), List.of("newest restore point: #12, captured 18 s ago"), NOW);
        assertTrue(v.startsWith("yes: restore point #12"), v);
    }

    @Test
    void aWriteAfterTheNewestPoint_isNotCovered() {
        String v = Coverage.verdict(NOW.minusSeconds(10), List.of("newest restore point: #12, captured 18 s ago"), NOW);
        assertTrue(v.startsWith("no:"), v);
    }

    @Test
    void withinTheRoundingOfTheAge_itSaysItIsNotSure() {
        // "3 min ago" is anywhere from 3:00 to 3:59 ago; the write was 3:30 ago
        String v = Coverage.verdict(NOW.minusSeconds(210), List.of("newest restore point: #7, captured 3 min ago"), NOW);
        assertTrue(v.startsWith("not sure"), v);
    }

    @Test
    void withoutAnyPoint_itSaysSo() {
        String v = Coverage.verdict(NOW, List.of("restore points: none published yet"), NOW);
        assertTrue(v.startsWith("no restore point"), v);
    }

    @Test
    void theLatestBackup_isTheNewestCompletionDateInTheHistory(@TempDir Path bundle) throws Exception {
        assertEquals(Optional.empty(), LatestBackup.of(bundle), "no history, no claim");
        Files.writeString(bundle.resolve(LatestBackup.HISTORY), """
                <?xml version="1.0" encoding="UTF-8"?>
                <plist version="1.0"><dict><key>Snapshots</key><array>
                <dict><key>com.apple.backupd.SnapshotCompletionDate</key><date>2026-11-27T10:00:00Z</date>
                <key>com.apple.backupd.SnapshotName</key><string>2026-11-27-100000.backup</string></dict>
                <dict><key>com.apple.backupd.SnapshotCompletionDate</key>
                    <date>2026-11-28T09:30:00Z</date></dict>
                </array></dict></plist>
                """);
        assertEquals(Optional.of(Instant.parse("2026-11-28T09:30:00Z")), LatestBackup.of(bundle));
        Files.write(bundle.resolve(LatestBackup.HISTORY), "bplist00....".getBytes());
        assertEquals(Optional.empty(), LatestBackup.of(bundle), "a binary plist is not guessed at");
    }
}
