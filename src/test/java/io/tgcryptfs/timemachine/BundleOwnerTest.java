package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BundleOwnerTest {
    @TempDir
    Path dir;

    @Test
    void applyTo_givesTheWholeBundleToTheUser_withModesTheyAndTheirGroupCanWrite() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown to another user needs root");
        SparseBundle bundle = SparseBundle.create(dir, "B", 1L << 30, SparseBundle.DEFAULT_BAND_SIZE);
        Files.write(bundle.dir().resolve("bands").resolve("0"), new byte[10]);

        BundleOwner.parse("nobody:nogroup", dir).applyTo(bundle.dir());

        for (String name : new String[] {"", "bands", "bands/0", "Info.plist", "Info.bckup", "token"}) {
            Path p = name.isEmpty() ? bundle.dir() : bundle.dir().resolve(name);
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            assertEquals("nobody", a.owner().getName(), name);
            assertEquals("nogroup", a.group().getName(), name);
            assertEquals(Files.isDirectory(p) ? "rwxrwx---" : "rw-rw----", PosixFilePermissions.toString(a.permissions()), name);
        }
    }

    @Test
    void withoutAGroup_theGroupOfTheParentIsTaken() throws Exception {
        String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        BundleOwner owner = BundleOwner.parse("nobody", dir);
        assertEquals("nobody", owner.user().getName());
        assertEquals(group, owner.group().getName());
    }

    @Test
    void theDefault_isTheParentsOwnerAndGroup() throws Exception {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
        BundleOwner owner = BundleOwner.of(dir);
        assertEquals(a.owner(), owner.user());
        assertEquals(a.group(), owner.group());
    }

    @Test
    void anUnknownUser_isACleanError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BundleOwner.parse("no-such-user-xyz", dir));
        assertEquals("no such user or group: no-such-user-xyz", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BundleOwner.parse(":nogroup", dir));
    }
}
