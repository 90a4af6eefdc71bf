package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.metrics.Metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads chunks frame by frame: the parsed frame tables of recently read chunks (so a small read costs one
 * read of pack bytes, not two), frame plaintexts through the {@link PlaintextCache}, and format 1 chunks,
 * which are decrypted whole and cached as frames of the current size.
 */
final class ChunkFrames {
    /** Frame tables kept: about 150 bytes each. */
    private static final int LAYOUTS_CACHED = 8192;
    /** A format 1 chunk has no frame table: its {@link Frames} carry this instead of a layout. */
    private static final ChunkFormat.Layout LEGACY = null;

    private final int blockSize;
    private final ChunkCipher cipher;
    private final Compressor compressor;
    private final PackCache packs;
    private final PlaintextCache plaintexts;
    private final Metrics metrics;
    private final Map<ChunkId, ChunkFormat.Layout> layouts = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ChunkId, ChunkFormat.Layout> eldest) {
            return size() > LAYOUTS_CACHED;
        }
    };

    ChunkFrames(int blockSize, ChunkCipher cipher, Compressor compressor, PackCache packs, PlaintextCache plaintexts,
                Metrics metrics) {
        this.blockSize = blockSize;
        this.cipher = cipher;
        this.compressor = compressor;
        this.packs = packs;
        this.plaintexts = plaintexts;
        this.metrics = metrics;
    }

    /**
     * The frames of one stored chunk, for a read of its plaintext [{@code plainFrom}, {@code plainEnd}).
     * When the frame table is not cached and the read starts near the chunk's start (a sequential reader),
     * one read takes the prefix and the frames up to {@code plainEnd} as if they did not compress
     * (compressed ones are shorter, so they are in it too): reading the prefix alone first made every
     * block of a cold sequential read two reads, the first a small one that waited for the disk. A read
     * further in (a small random one) reads the prefix alone, so it does not read the frames before its own.
     */
    Frames of(ChunkRecord record, int plainFrom, int plainEnd) throws IntegrityException {
        ChunkFormat.Layout layout;
        synchronized (layouts) {
            layout = layouts.get(record.id());
        }
        if (layout != null) {
            return new Frames(record, layout, null, plainFrom, plainEnd);
        }
        int head = ChunkFormat.prefixReadLength(record.plainLength(), record.sealedLength());
        boolean fromStart = plainFrom >> ChunkFormat.FRAME_SHIFT < 2;
        int frames = fromStart ? ChunkFormat.frameCount(Math.max(1, plainEnd), ChunkFormat.FRAME_SHIFT) : 0;
        long upTo = head + (long) frames * ((1 << ChunkFormat.FRAME_SHIFT) + ChunkCipher.tagLength());
        byte[] start = packs.read(record.pack(), record.offset(), (int) Math.min(record.sealedLength(), upTo));
        if (ChunkFormat.version(start[0]) == ChunkCipher.VERSION) {
            return new Frames(record, LEGACY, null, plainFrom, plainEnd);
        }
        layout = ChunkFormat.layout(record.id(), start, start.length, record.plainLength(), record.sealedLength());
        synchronized (layouts) {
            layouts.put(record.id(), layout);
        }
        return new Frames(record, layout, start, plainFrom, plainEnd);
    }

    /** Drops what is remembered of a chunk whose pack copy turned out damaged. */
    void forget(ChunkId id) {
        synchronized (layouts) {
            layouts.remove(id);
        }
    }

    /** Authenticates every frame of a chunk's sealed bytes. */
    void verify(ChunkRecord record, byte[] sealed) throws IntegrityException {
        if (sealed.length > 0 && ChunkFormat.version(sealed[0]) == ChunkCipher.VERSION) {
            openVersion1(record, sealed);
            return;
        }
        ChunkFormat.Layout layout = ChunkFormat.layout(record.id(), sealed, sealed.length, record.plainLength(),
                record.sealedLength());
        for (int f = 0; f < layout.frames(); f++) {
            layout.open(cipher, compressor, f, sealed, (int) layout.offset(f));
        }
    }

    private byte[] openVersion1(ChunkRecord record, byte[] sealed) throws IntegrityException {
        ChunkCipher.OpenedChunk opened = cipher.open(record.id(), sealed, 0, sealed.length);
        byte[] plain;
        try {
            plain = compressor.decompress(opened.flags(), opened.plaintext());
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("chunk " + record.id() + ": " + e.getMessage(), e);
        }
        if (plain.length > blockSize || plain.length != record.plainLength()) {
            throw new IntegrityException("chunk " + record.id() + " holds " + plain.length + " bytes, recorded "
                    + record.plainLength());
        }
        return plain;
    }

    /**
     * One read's frames of one chunk; {@link #readInto} reads what the plaintext cache lacks in one pass over
     * the pack bytes. Frames the read covers whole are decrypted straight into the read's buffer and not
     * cached: a sequential reader does not come back for them, and caching every frame it passed made a
     * cold read churn the cache and the collector; a frame read in part (a small random read) is kept for
     * the rest of it.
     */
    final class Frames {
        private final ChunkRecord record;
        private final ChunkFormat.Layout layout;
        /** The chunk's first sealed bytes when they were just read for its table, else null. */
        private final byte[] start;
        /** The plaintext range this read wants. */
        private final int plainFrom;
        private final int plainEnd;

        private Frames(ChunkRecord record, ChunkFormat.Layout layout, byte[] start, int plainFrom, int plainEnd) {
            this.record = record;
            this.layout = layout;
            this.start = start;
            this.plainFrom = plainFrom;
            this.plainEnd = plainEnd;
        }

        private int shift() {
            return layout == LEGACY ? ChunkFormat.FRAME_SHIFT : Integer.numberOfTrailingZeros(layout.frameSize());
        }

        /** Writes the plaintext [plainFrom, plainEnd) to {@code out} at {@code outOffset}. */
        void readInto(byte[] out, int outOffset) throws IntegrityException {
            int shift = shift();
            int last = (plainEnd - 1) >> shift;
            for (int f = plainFrom >> shift; f <= last; ) {
                byte[] cached = cachedFrame(f);
                metrics.plaintextCache(cached != null);
                if (cached != null) {
                    copyPart(cached, f, out, outOffset);
                    f++;
                } else if (layout == LEGACY) {
                    copyPart(loadVersion1(f), f, out, outOffset);
                    f++;
                } else {
                    f = load(f, last, out, outOffset);
                }
            }
        }

        private byte[] cachedFrame(int f) {
            return plaintexts.get(new PlaintextCache.Key(record.id(), f));
        }

        /** Copies the part of frame {@code f}'s plaintext this read wants. */
        private void copyPart(byte[] plain, int f, byte[] out, int outOffset) {
            int frameStart = f << shift();
            int a = Math.max(plainFrom, frameStart);
            int b = Math.min(plainEnd, frameStart + plain.length);
            System.arraycopy(plain, a - frameStart, out, outOffset + (a - plainFrom), b - a);
        }

        /**
         * Decrypts frame {@code first} and the uncached frames after it up to {@code last} from one read of
         * pack bytes; returns the frame after the last one decrypted.
         */
        private int load(int first, int last, byte[] out, int outOffset) throws IntegrityException {
            int end = first;
            while (end < last && cachedFrame(end + 1) == null) {
                end++;
            }
            long from = layout.offset(first);
            int span = (int) (layout.offset(end) + layout.sealedLength(end) - from);
            boolean inStart = start != null && from + span <= start.length;
            byte[] sealed = inStart ? start : packs.read(record.pack(), record.offset() + from, span);
            long base = inStart ? 0 : from;
            int shift = shift();
            for (int f = first; f <= end; f++) {
                int at = (int) (layout.offset(f) - base);
                int frameStart = f << shift;
                if (frameStart >= plainFrom && frameStart + layout.plainLength(f) <= plainEnd) {
                    layout.openInto(cipher, compressor, f, sealed, at, out, outOffset + (frameStart - plainFrom));
                } else {
                    byte[] plain = layout.open(cipher, compressor, f, sealed, at);
                    plaintexts.put(new PlaintextCache.Key(record.id(), f), plain);
                    copyPart(plain, f, out, outOffset);
                }
            }
            return end + 1;
        }

        private byte[] loadVersion1(int f) throws IntegrityException {
            byte[] plain = openVersion1(record, packs.read(record.pack(), record.offset(), record.sealedLength()));
            int frameSize = 1 << ChunkFormat.FRAME_SHIFT;
            byte[] wanted = null;
            for (int i = 0; i * frameSize < plain.length; i++) {
                int from = i * frameSize;
                byte[] piece = java.util.Arrays.copyOfRange(plain, from, Math.min(plain.length, from + frameSize));
                plaintexts.put(new PlaintextCache.Key(record.id(), i), piece);
                if (i == f) {
                    wanted = piece;
                }
            }
            if (wanted == null) {
                throw new IntegrityException("chunk " + record.id() + " has no frame " + f);
            }
            return wanted;
        }
    }
}
