package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenFilesTest {
    private final OpenFiles open = new OpenFiles();

    @Test
    void closingAFileThatKeptItsName_asksForNoDeletion() {
        open.opened(7, false);
        open.opened(7, false);
        assertFalse(open.released(7, false));
        assertTrue(open.isOpen(7));
        assertFalse(open.released(7, false));
        assertFalse(open.isOpen(7));
        assertEquals(0, open.openInodes());
    }

    @Test
    void unlinkingAnOpenFile_keepsIt_andOnlyItsLastCloseDeletesIt() {
        open.opened(7, false);
        open.opened(7, false);
        assertTrue(open.keepUnlinked(7));
        assertFalse(open.released(7, false), "another handle is still open");
        assertTrue(open.released(7, false));
        assertFalse(open.isOpen(7));
    }

    @Test
    void unlinkingAClosedFile_isNotKept_andLeavesNoTrace() {
        assertFalse(open.keepUnlinked(7));
        assertFalse(open.isOpen(7));
        open.opened(7, false);
        assertFalse(open.released(7, false), "a later open of the same number starts clean");
    }

    @Test
    void aReopenedInode_startsWithItsNameKept() {
        open.opened(7, false);
        open.keepUnlinked(7);
        assertTrue(open.released(7, false));
        open.opened(7, false);
        assertFalse(open.released(7, false));
    }

    @Test
    void keepingTwice_stillDeletesOnce() {
        open.opened(7, false);
        assertTrue(open.keepUnlinked(7));
        assertTrue(open.keepUnlinked(7));
        assertTrue(open.released(7, false));
        assertFalse(open.released(7, false), "an unknown release asks for nothing");
    }

    @Test
    void writersAreCounted_untilTheirRelease() {
        open.opened(7, false);
        assertFalse(open.hasWriters(7));
        open.opened(7, true);
        open.opened(7, true);
        open.released(7, true);
        assertTrue(open.hasWriters(7), "one writer is left");
        open.released(7, true);
        assertFalse(open.hasWriters(7));
        assertTrue(open.isOpen(7), "the reader is");
    }
}
