package io.tgcryptfs.backend.local;

import io.tgcryptfs.backend.BackendException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalBlobStoreTest {
    @TempDir
    Path tmp;

    @Test
    void anObjectIsACopyThatOutlivesAndIgnoresTheOutboxFile() throws Exception {
        LocalBlobStore store = new LocalBlobStore(tmp.resolve("backend"));
        Path pack = write(tmp.resolve("outbox.pack"), "sealed pack bytes");

        String ref = store.put("p1", pack);

        Path stored = tmp.resolve("backend/objects").resolve(ref);
        assertNotEquals(Files.getAttribute(pack, "unix:ino"), Files.getAttribute(stored, "unix:ino"),
                "a damaged cache file must not take the backend's copy with it");
        Files.delete(pack); // the outbox forgets it after the upload
        assertEquals("sealed pack bytes", fetch(store, ref));
    }

    @Test
    void aSecondPutOfTheSameNameReplacesTheObjectAndLeavesNoTemporaryFile() throws Exception {
        LocalBlobStore store = new LocalBlobStore(tmp.resolve("backend"));
        store.put("p3", write(tmp.resolve("a.pack"), "first"));
        Files.writeString(tmp.resolve("backend/objects/p3.tmp"), "left by a crash mid-put");

        store.put("p3", write(tmp.resolve("b.pack"), "second"));

        assertEquals("second", fetch(store, "p3"));
        assertFalse(Files.exists(tmp.resolve("backend/objects/p3.tmp")));
        assertEquals("first", Files.readString(tmp.resolve("a.pack")), "the earlier pack is untouched");
    }

    @Test
    void aMissingObjectIsNotFoundAndAnUnsafeNameIsRefused() throws Exception {
        LocalBlobStore store = new LocalBlobStore(tmp.resolve("backend"));
        BackendException missing = assertThrows(BackendException.class, () -> store.get("nope", tmp.resolve("x")));
        assertEquals(BackendException.Kind.NOT_FOUND, missing.kind());
        assertThrows(BackendException.class, () -> store.put("../escape", write(tmp.resolve("c.pack"), "x")));
    }

    @Test
    void theRootRoundTrips() throws Exception {
        LocalBlobStore store = new LocalBlobStore(tmp.resolve("backend"));
        assertTrue(store.getRoot().isEmpty());
        store.putRoot(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, store.getRoot().orElseThrow());
    }

    private static Path write(Path file, String content) throws IOException {
        return Files.writeString(file, content);
    }

    private String fetch(LocalBlobStore store, String ref) throws Exception {
        Path out = tmp.resolve("fetched-" + ref);
        store.get(ref, out);
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
