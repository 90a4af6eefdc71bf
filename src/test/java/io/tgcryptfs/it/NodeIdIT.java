package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel sees each file as one inode whatever its names, while libfuse 2 keeps a node per name
 * (fuse/NodeIds). The kernel forgets inodes when its caches shrink: each FORGET must reach libfuse as
 * forgets of exactly the nodes it counted, and later requests must find a node that still has a path.
 * libfuse aborts the whole mount on a node it does not hold, so a mistake here shows as a dead mount.
 * Caches are dropped with {@code /proc/sys/vm/drop_caches} (root), which evicts every unused inode.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeIdIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void hardLinks_renamesAndUnlinks_reachTheFileThroughANameItStillHas_alsoAfterTheKernelForgetsIt()
            throws IOException {
        Path dir = fs.newDir("forget-links");
        int files = 200;
        List<Long> inodes = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path a = dir.resolve("a" + i);
            Files.writeString(a, "file " + i);
            Path b = Files.createLink(dir.resolve("b" + i), a);
            inodes.add(Stat.of(a).ino());
            assertEquals(inodes.get(i), Stat.of(b).ino());
        }
        // every other file loses its first name while the kernel still holds it through both, then its
        // second name moves: requests for the file (an open, here) must take a name that still exists
        for (int i = 0; i < files; i += 2) {
            Files.delete(dir.resolve("a" + i));
            Files.writeString(dir.resolve("b" + i), " one", StandardOpenOption.APPEND);
            Files.move(dir.resolve("b" + i), dir.resolve("c" + i));
            Files.writeString(dir.resolve("c" + i), " two", StandardOpenOption.APPEND);
        }
        for (int round = 0; round < 2; round++) {
            dropCaches();
            for (int i = 0; i < files; i++) {
                boolean even = i % 2 == 0;
                Path through = dir.resolve((even ? "c" : "b") + i);
                Files.writeString(through, " " + round, StandardOpenOption.APPEND);
                Stat st = Stat.of(through);
                assertEquals((long) inodes.get(i), st.ino(), "the inode of " + through.getFileName());
                assertEquals(even ? 1 : 2, st.nlink(), "link count of " + through.getFileName());
                String expected = "file " + i + (even ? " one two" : "") + (round == 0 ? " 0" : " 0 1");
                Path readThrough = even ? through : dir.resolve("a" + i);
                assertEquals(expected, Files.readString(readThrough, StandardCharsets.UTF_8),
                        "read through " + readThrough.getFileName() + " in round " + round);
                assertEquals(!even, Files.exists(dir.resolve("a" + i)));
            }
        }
        assertTrue(fs.isMounted(), "the mount is alive");
    }

    /** Thousands of inodes forgotten at once arrive as BATCH_FORGET requests, split over libfuse's nodes. */
    @Test
    void thousandsOfFiles_forgottenAtOnce_areLookedUpAgain() throws IOException {
        Path dir = fs.newDir("forget-many");
        int files = 5000;
        long[] inodes = new long[files];
        for (int i = 0; i < files; i++) {
            Path f = dir.resolve("f" + i);
            Files.writeString(f, Integer.toString(i));
            inodes[i] = Stat.of(f).ino();
        }
        for (int round = 0; round < 2; round++) {
            dropCaches();
            for (int i = 0; i < files; i++) {
                Path f = dir.resolve("f" + i);
                assertEquals(inodes[i], Stat.of(f).ino(), "inode of f" + i + " in round " + round);
                assertEquals(Integer.toString(i), Files.readString(f), "f" + i + " in round " + round);
            }
        }
        assertTrue(fs.isMounted(), "the mount is alive");
    }

    private static void dropCaches() {
        MountFixture.assumeNotBaseline();
        Assumptions.assumeTrue(fs.dropKernelCaches(), "dropping the kernel's caches needs root");
    }
}
