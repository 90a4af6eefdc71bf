package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code timemachine status DIR} per bundle: each bundle's stored bytes, and how much of them is not
 * yet uploaded, from the running mount's block maps. One bundle is uploaded; the other is written while
 * the backend takes 1 KiB/s, so all of it is still pending.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeMachineStatusIT {
    private static final int MIB = 1 << 20;
    private static final Pattern STORED = Pattern.compile(
            "bundle: (\\S+)\\n(?:.*\\n)*?stored: ([\\d.]+) MiB encrypted for ([\\d.]+) MiB of band data; ([\\d.]+) MiB of it not yet uploaded");

    @Test
    void status_ofAShareDirectory_givesEachBundlesStoredAndPendingBytes() throws IOException {
        MountFixture.assumeNotBaseline();
        try (MountFixture fs = new MountFixture().withProperty("dirty.expiry", "1s")) {
            fs.start();
            Path share = fs.newDir("tm");
            fs.cli("timemachine", "create", "--size", "1g", "--name", "Uploaded", share.toString()).assertOk();
            fs.cli("timemachine", "create", "--size", "2g", "--name", "Pending", share.toString()).assertOk();
            Random random = new Random(8);
            writeBands(share.resolve("Uploaded.sparsebundle"), 2, 4 * MIB, random);
            fs.cli("sync").assertOk();
            fs.stop();

            fs.withProperty("backend.local.upload-bytes-per-second", "1KiB").start();
            writeBands(share.resolve("Pending.sparsebundle"), 3, 2 * MIB, random);
            MountFixture.await("the pending bundle's bands sealed", Duration.ofSeconds(60),
                    () -> numbers(status(fs, share), "Pending")[1] >= 6.0);

            String status = status(fs, share);
            double[] uploaded = numbers(status, "Uploaded");
            double[] pending = numbers(status, "Pending");
            assertEquals(8.0, uploaded[1], 0.05, "band data of the first bundle\n" + status);
            assertTrue(uploaded[0] >= 8.0 && uploaded[0] < 8.5, "random bands are stored about as large\n" + status);
            assertEquals(0.0, uploaded[2], "all of it was uploaded by `tgcryptfs sync`\n" + status);
            assertEquals(6.0, pending[1], 0.05, status);
            assertTrue(pending[0] >= 6.0 && pending[0] < 6.5, status);
            assertEquals(pending[0], pending[2], "at 1 KiB/s no pack of it is uploaded yet\n" + status);
            assertTrue(status.contains("volume outbox:"), "then the volume's numbers\n" + status);

            fs.crash(); // an unmount would upload the pending bundle at 1 KiB/s
        }
    }

    private static void writeBands(Path bundle, int bands, int bytes, Random random) throws IOException {
        for (int b = 0; b < bands; b++) {
            byte[] data = new byte[bytes];
            random.nextBytes(data);
            Files.write(bundle.resolve("bands").resolve(Integer.toHexString(b)), data);
        }
    }

    private static String status(MountFixture fs, Path share) {
        return fs.cli("timemachine", "status", share.toString()).assertOk().stdout();
    }

    /** stored, band data and pending MiB of bundle {@code name}. */
    private static double[] numbers(String status, String name) {
        Matcher m = STORED.matcher(status);
        while (m.find()) {
            if (m.group(1).endsWith("/" + name + ".sparsebundle")) {
                return new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))};
            }
        }
        fail("no stored line for " + name + "\n" + status);
        return null;
    }
}
