package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackFormatTest {
    private static ChunkId chunkId(Random random) {
        byte[] b = new byte[ChunkId.LENGTH];
        random.nextBytes(b);
        return ChunkId.of(b);
    }

    @Test
    void index_encodedAndDecoded_isTheSameList() {
        Random random = new Random(1);
        List<PackFormat.IndexEntry> entries = new ArrayList<>();
        long offset = PackFormat.MAGIC.length;
        for (int i = 0; i < 50; i++) {
            int sealed = 100 + random.nextInt(5000);
            entries.add(new PackFormat.IndexEntry(chunkId(random), offset, sealed, random.nextInt(1 << 20)));
            offset += sealed;
        }
        entries.add(new PackFormat.IndexEntry(chunkId(random), 1L << 40, Integer.MAX_VALUE, 0));
        assertEquals(entries, PackFormat.decodeIndex(PackFormat.encodeIndex(entries)));
    }

    @Test
    void emptyIndex_roundTrips() {
        assertEquals(List.of(), PackFormat.decodeIndex(PackFormat.encodeIndex(List.of())));
    }

    @Test
    void decodeIndex_unknownVersion_isRejected() {
        byte[] encoded = PackFormat.encodeIndex(List.of());
        encoded[0] = 2;
        assertThrows(IllegalArgumentException.class, () -> PackFormat.decodeIndex(encoded));
    }

    @Test
    void names_dependOnlyOnThePackId() {
        PackId id = PackId.random(new Random(3));
        assertEquals(id.hex() + ".pack", PackFormat.fileName(id));
        assertTrue(PackFormat.indexLabel(id).endsWith(id.hex()));
        assertEquals(8, PackFormat.MAGIC.length);
        assertEquals(8, PackFormat.INDEX_MAGIC.length);
    }
}
