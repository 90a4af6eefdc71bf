package io.tgcryptfs.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link JournalCrashIT}'s rounds under a 1 MiB dirty budget: writes keep sealing blocks for room, so
 * fsyncs keep finding blocks whose seal is under way (5-20 per round when counted): they journal those
 * versions instead of waiting, and the seals supersede those records when they commit. Every fsync'd
 * byte must survive kill -9 all the same, whatever was sealed, journaled or both when the mount died.
 * (A kill -9 keeps what reached the page cache, so a seal that committed is safe without its LMDB sync;
 * the record order and marks themselves are pinned by {@code BandTest}.) {@code -Djournal.seed},
 * {@code -Djournal.race-rounds}.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JournalSealRaceCrashIT {
    private static final long SEED = Long.getLong("journal.seed", 20_261_129L);
    private static final int ROUNDS = Integer.getInteger("journal.race-rounds", 8);

    @RegisterExtension
    static final MountFixture fs = new MountFixture()
            .withProperty("dirty.budget", "1MiB")
            .withProperty("dirty.expiry", "10m")
            .withProperty("dirty.max-age", "10m")
            .withProperty("engine.passivate-after", "10m");

    @Test
    void everyFsyncdByte_survivesKill9_whileSealsRaceTheFsyncs() throws Exception {
        System.out.printf("[JournalSealRaceCrashIT] seed %d, %d rounds (-Djournal.seed, -Djournal.race-rounds)%n", SEED, ROUNDS);
        JournalCrashIT.crashRounds(fs, "JournalSealRaceCrashIT", SEED, ROUNDS, false);
    }
}
