package io.tgcryptfs.meta;

import io.tgcryptfs.fs.PackId;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The packs in one state, read a page at a time in id order, each page in its own read view: a volume of
 * terabytes has hundreds of thousands of packs, a few hundred bytes each in the heap, and gc and verify
 * look at every one. A pack that changes state meanwhile may or may not be seen; one that stays in the
 * state throughout is seen once.
 */
public final class PackPages {
    static final int PAGE = 1024;

    private PackPages() {
    }

    public static Iterable<PackRecord> of(MetaStore meta, PackState state) {
        return () -> new Iterator<>() {
            private List<PackRecord> page = meta.read(r -> r.packs(state, null, PAGE));
            private int next;

            @Override
            public boolean hasNext() {
                if (next == page.size() && page.size() == PAGE) {
                    PackId after = page.get(PAGE - 1).id();
                    page = meta.read(r -> r.packs(state, after, PAGE));
                    next = 0;
                }
                return next < page.size();
            }

            @Override
            public PackRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(next++);
            }
        };
    }
}
