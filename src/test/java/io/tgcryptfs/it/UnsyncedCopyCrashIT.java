package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A copy cut off by a crash must not look finished to the next backup run. rsync writes a temporary
 * file, gives it the source's mtime and renames it into place, without fsync; the size commits with the
 * write and the bytes with their seal, so a crash in between used to leave the file at its full size,
 * with the source's mtime and zeros inside, and the next {@code rsync -a} skipped it as unchanged. Now its
 * mtime is the time of recovery and rsync copies it again. A file fsync'd before its times were set keeps
 * its bytes and times.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnsyncedCopyCrashIT {
    private static final FileTime SOURCE_MTIME = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

    @RegisterExtension
    static final MountFixture fs = new MountFixture()
            .withProperty("dirty.expiry", "10m")
            .withProperty("dirty.max-age", "10m")
            .withProperty("engine.passivate-after", "10m");

    @Test
    void aCopyCutOffByACrash_isCopiedAgainByTheNextRsync() throws Exception {
        Path source = Files.createDirectories(fs.workDir().resolve("source"));
        Random random = new Random(20261130);
        // two blocks and a part: a stream's full blocks are sealed as they fill, the last part waits
        byte[] cutOff = new byte[600_000];
        byte[] synced = new byte[1 << 20];
        random.nextBytes(cutOff);
        random.nextBytes(synced);
        for (String name : new String[] {"cut-off", "synced"}) {
            Files.write(source.resolve(name), name.equals("cut-off") ? cutOff : synced);
            Files.setLastModifiedTime(source.resolve(name), SOURCE_MTIME);
        }
        Path target = fs.newDir("backup");

        // rsync's steps, with the files kept open through the crash: a close seals at once
        FileChannel cut = copyAsRsyncDoes(cutOff, target, "cut-off");
        fs.run("sync").assertOk(); // the kernel's writeback cache hands the bytes over: no fsync, no seal
        FileChannel kept = FileChannel.open(target.resolve(".synced.tmp"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(kept, synced);
        kept.force(true);
        Files.setLastModifiedTime(target.resolve(".synced.tmp"), SOURCE_MTIME);
        Files.move(target.resolve(".synced.tmp"), target.resolve("synced"));
        assertEquals(cutOff.length, Files.size(target.resolve("cut-off")));

        Instant beforeCrash = Instant.now();
        fs.crash();
        JournalCrashIT.closeQuietly(cut);
        JournalCrashIT.closeQuietly(kept);
        fs.start();

        assertEquals(cutOff.length, Files.size(target.resolve("cut-off")), "the size commits with the write");
        FileTime recovered = Files.getLastModifiedTime(target.resolve("cut-off"));
        assertTrue(!recovered.toInstant().isBefore(beforeCrash), "the cut-off copy's mtime is the time of recovery, not "
                + "the source's: " + recovered + "\n" + fs.logTail());
        assertTrue(fs.log().contains("was being written when tgcryptfs stopped"), fs.logTail());
        assertEquals(SOURCE_MTIME, Files.getLastModifiedTime(target.resolve("synced")), "fsync'd: its times stay");
        assertArrayEquals(synced, Files.readAllBytes(target.resolve("synced")));

        fs.run("rsync", "-a", source + "/", target + "/").assertOk();
        assertArrayEquals(cutOff, Files.readAllBytes(target.resolve("cut-off")), "rsync copied it again");
        assertEquals(SOURCE_MTIME, Files.getLastModifiedTime(target.resolve("cut-off")));
    }

    /** Written into a temporary name, given the source's mtime, renamed into place; returned open. */
    private static FileChannel copyAsRsyncDoes(byte[] data, Path dir, String name) throws Exception {
        Path tmp = dir.resolve("." + name + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(ch, data);
        Files.setLastModifiedTime(tmp, SOURCE_MTIME);
        Files.move(tmp, dir.resolve(name));
        return ch;
    }

    private static void writeFully(FileChannel ch, byte[] data) throws Exception {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }
}
