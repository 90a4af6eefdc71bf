package io.tgcryptfs.journal;

import io.tgcryptfs.fs.LocalFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the journal lives: {@code <state>/journal} for this run. At start the previous run's journal
 * is moved to {@code <state>/journal.replay} (atomically), so this run journals into an empty directory
 * while the old records are replayed; a crash during the replay leaves {@code journal.replay} to be
 * replayed again (nothing is served, so nothing is journaled, before the replay ends).
 */
public final class JournalFiles {
    private JournalFiles() {
    }

    public static Path journalDir(Path stateDir) {
        return stateDir.resolve("journal");
    }

    /** Moves the last run's journal aside; returns the directory to replay (which may not exist). */
    public static Path setAsideForReplay(Path stateDir) throws IOException {
        Path journal = journalDir(stateDir);
        Path replay = stateDir.resolve("journal.replay");
        if (Files.isDirectory(replay)) {
            LocalFiles.deleteTree(journal); // a replay was interrupted: this run's journal stayed empty
        } else if (Files.isDirectory(journal)) {
            Files.move(journal, replay, StandardCopyOption.ATOMIC_MOVE);
        }
        return replay;
    }

    /** Deletes the replayed journal. */
    public static void replayed(Path replay) throws IOException {
        LocalFiles.deleteTree(replay);
    }
}
