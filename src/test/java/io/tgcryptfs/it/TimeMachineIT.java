package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Time Machine destination on the mount: `timemachine create` writes the sparse bundle, then the
 * workload Time Machine puts on it (small random writes into 8 MiB band files, fsync, Info.plist
 * replaced by rename, Apple xattrs) reads back exactly, also after remount, and `status` sees it.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeMachineIT {
    static final int BAND = 8 << 20;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void aSparseBundle_takesTimeMachineStyleWrites_andKeepsThemAcrossRemount() throws IOException {
        Path parent = fs.newDir("tm");
        fs.cli("timemachine", "create", "--size", "2g", "--name", "MacBackup", parent.toString()).assertOk();
        Path bundle = parent.resolve("MacBackup.sparsebundle");
        String plist = Files.readString(bundle.resolve("Info.plist"));
        assertTrue(plist.contains("<integer>2147483648</integer>"), plist);
        assertTrue(Files.isDirectory(bundle.resolve("bands")));

        Random random = new Random(11);
        byte[][] bands = new byte[3][BAND];
        for (int b = 0; b < bands.length; b++) {
            Path band = bundle.resolve("bands").resolve(Integer.toHexString(b));
            try (FileChannel ch = FileChannel.open(band, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                for (int i = 0; i < 200; i++) {
                    int at = random.nextInt(BAND / 4096) * 4096;
                    byte[] page = new byte[4096];
                    random.nextBytes(page);
                    System.arraycopy(page, 0, bands[b], at, page.length);
                    ch.write(ByteBuffer.wrap(page), at);
                }
                ch.truncate(BAND);
                if (ch.size() < BAND) {
                    ch.write(ByteBuffer.wrap(new byte[1]), BAND - 1);
                }
                ch.force(true);
            }
        }
        Path tmp = bundle.resolve("Info.plist.tmp");
        Files.writeString(tmp, plist.replace("2147483648", "4294967296"));
        Files.move(tmp, bundle.resolve("Info.plist"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(bundle, UserDefinedFileAttributeView.class);
        byte[] machine = new byte[65536];
        random.nextBytes(machine);
        xattrs.write("com.apple.TimeMachine.MachineMACAddress", ByteBuffer.wrap(machine));

        String status = fs.cli("timemachine", "status", bundle.toString()).assertOk().stdout();
        assertTrue(status.contains("bands: 3"), status);
        assertTrue(status.contains("size: 4.0 GiB"), status);

        fs.restart();

        for (int b = 0; b < bands.length; b++) {
            assertArrayEquals(bands[b], Files.readAllBytes(bundle.resolve("bands").resolve(Integer.toHexString(b))),
                    "band " + b + " after remount");
        }
        assertTrue(Files.readString(bundle.resolve("Info.plist"), StandardCharsets.UTF_8).contains("4294967296"));
        ByteBuffer read = ByteBuffer.allocate(65536);
        assertEquals(65536, Files.getFileAttributeView(bundle, UserDefinedFileAttributeView.class)
                .read("com.apple.TimeMachine.MachineMACAddress", read));
        assertArrayEquals(machine, read.array());
    }
}
