package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongTableTest {
    @Test
    void insert_find_andValues() {
        LongTable t = new LongTable(2);
        int s = t.insert(42);
        t.setValue(s, 0, 7);
        t.setValue(s, 1, -3);
        assertEquals(s, t.insert(42), "inserting again finds it");
        s = t.find(42);
        assertEquals(7, t.value(s, 0));
        assertEquals(-3, t.value(s, 1));
        assertEquals(-1, t.find(43));
        assertEquals(1, t.size());
        assertThrows(IllegalArgumentException.class, () -> t.insert(0));
    }

    /** Against a HashMap, through growth and removals that shift probe runs back. */
    @Test
    void agreesWithAMap_underRandomInsertsAndRemovals() {
        LongTable t = new LongTable(1);
        Map<Long, Long> expected = new HashMap<>();
        Random random = new Random(20261129);
        for (int op = 0; op < 200_000; op++) {
            long key = 1 + random.nextInt(5_000);
            if (random.nextInt(3) == 0) {
                t.remove(key);
                expected.remove(key);
            } else {
                long value = random.nextLong();
                t.setValue(t.insert(key), 0, value);
                expected.put(key, value);
            }
        }
        assertEquals(expected.size(), t.size());
        for (long key = 1; key <= 5_000; key++) {
            int s = t.find(key);
            if (expected.containsKey(key)) {
                assertEquals((long) expected.get(key), t.value(s, 0), "key " + key);
            } else {
                assertEquals(-1, s, "key " + key);
            }
        }
    }
}
