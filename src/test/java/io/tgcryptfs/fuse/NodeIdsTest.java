package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeIdsTest {
    private static final long DIR = 1;
    private final NodeIds ids = new NodeIds();

    private static long name(String n) {
        return name(DIR, n);
    }

    private static long name(long dir, String n) {
        byte[] b = n.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return NodeIds.nameKey(dir, b, 0, b.length);
    }

    private Map<Long, Long> forget(long kernelNode, long count) {
        Map<Long, Long> forgotten = new LinkedHashMap<>();
        ids.forget(kernelNode, count, forgotten::put);
        return forgotten;
    }

    @Test
    void nameKeys_differByDirectoryAndName_andAreNeverNone() {
        assertEquals(name("a"), name("a"));
        org.junit.jupiter.api.Assertions.assertNotEquals(name("a"), name("b"));
        org.junit.jupiter.api.Assertions.assertNotEquals(name(1, "a"), name(2, "a"));
        org.junit.jupiter.api.Assertions.assertNotEquals(NodeIds.NONE, NodeIds.nameKey(0, new byte[0], 0, 0));
    }

    @Test
    void manyFiles_eachOneNode_comeAndGo() {
        for (long ino = 2; ino < 100_002; ino++) {
            ids.entered(ino, ino + 7, name("f" + ino));
        }
        assertEquals(100_000, ids.size());
        for (long ino = 2; ino < 100_002; ino++) {
            assertEquals(ino + 7, ids.toLibfuse(ino));
        }
        for (long ino = 2; ino < 100_002; ino += 2) {
            assertEquals(Map.of(ino + 7, 1L), forget(ino, 1));
        }
        assertEquals(50_000, ids.size());
        for (long ino = 3; ino < 100_002; ino += 2) {
            assertEquals(ino + 7, ids.toLibfuse(ino));
        }
        assertEquals(NodeIds.NONE, ids.toLibfuse(4));
    }

    @Test
    void theRootIsTheRoot_andANodeNeverEnteredIsNone() {
        assertEquals(NodeIds.ROOT, ids.toLibfuse(NodeIds.ROOT));
        assertEquals(NodeIds.NONE, ids.toLibfuse(100));
    }

    @Test
    void twoNamesOfOneFile_areOneKernelNode_andRequestsGoToANamedOne() {
        ids.entered(100, 5, name("a"));
        ids.entered(100, 6, name("b"));
        assertEquals(1, ids.size());
        assertEquals(5, ids.toLibfuse(100));

        ids.unlinked(name("a"));
        assertEquals(6, ids.toLibfuse(100), "the unlinked name has no path");

        ids.unlinked(name("b"));
        assertEquals(5, ids.toLibfuse(100), "no name left: an open file is still reached through libfuse's hidden one");
    }

    @Test
    void aForget_isSplitOverTheLibfuseNodes_exactlyAsTheyWereCounted() {
        ids.entered(100, 5, name("a"));
        ids.entered(100, 5, name("a"));
        ids.entered(100, 6, name("b"));

        assertEquals(Map.of(5L, 1L), forget(100, 1));
        assertEquals(Map.of(5L, 1L, 6L, 1L), forget(100, 2));
        assertEquals(NodeIds.NONE, ids.toLibfuse(100));
        assertEquals(0, ids.size());
    }

    @Test
    void aForgottenNode_losesItsName_soALaterLookupOfTheNameIsANewNode() {
        ids.entered(100, 5, name("a"));
        forget(100, 1);
        ids.entered(100, 8, name("a"));
        assertEquals(8, ids.toLibfuse(100));
        assertEquals(Map.of(8L, 1L), forget(100, 1));
    }

    @Test
    void forgettingMoreThanWasSent_forgetsOnlyWhatWas() {
        ids.entered(100, 5, name("a"));
        assertEquals(Map.of(5L, 1L), forget(100, 3));
        assertEquals(Map.of(), forget(200, 1));
    }

    @Test
    void aReplyTheKernelRefused_isNotCounted() {
        ids.entered(100, 5, name("a"));
        ids.entered(100, 5, name("a"));
        ids.notEntered(100, 5);
        assertEquals(Map.of(5L, 1L), forget(100, 1));
        assertEquals(NodeIds.NONE, ids.toLibfuse(100));
    }

    @Test
    void aRename_movesTheName_andUnlinksTheTarget() {
        ids.entered(100, 7, name("c"));
        ids.entered(100, 5, name("a"));
        ids.entered(200, 6, name("b"));

        ids.renamed(name("a"), name("b"));
        ids.unlinked(name("a"));
        ids.unlinked(name("c"));

        assertEquals(5, ids.toLibfuse(100), "named b now; c is unlinked, a was moved");
        ids.renamed(name("b"), name(2, "b"));
        ids.unlinked(name("b"));
        assertEquals(5, ids.toLibfuse(100), "moved to another directory: still named");
        ids.unlinked(name(2, "b"));
        assertEquals(7, ids.toLibfuse(100), "no name left: the first of its nodes");
    }
}
