package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeIdsTest {
    private static final long DIR = 1;
    private final NodeIds ids = new NodeIds();

    private static NodeIds.Name name(String n) {
        return new NodeIds.Name(DIR, n);
    }

    private Map<Long, Long> forget(long kernelNode, long count) {
        Map<Long, Long> forgotten = new LinkedHashMap<>();
        ids.forget(kernelNode, count, forgotten::put);
        return forgotten;
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
        ids.renamed(name("b"), new NodeIds.Name(2, "b"));
        ids.unlinked(name("b"));
        assertEquals(5, ids.toLibfuse(100), "moved to another directory: still named");
        ids.unlinked(new NodeIds.Name(2, "b"));
        assertEquals(7, ids.toLibfuse(100), "no name left: the first of its nodes");
    }
}
