package io.tgcryptfs.meta;

/**
 * One replicated metadata entry as the metadata log ships it: a key and its value, or a null value
 * when the key was deleted. Keys and values are opaque outside the store that made them; only the
 * same kind of store can apply them.
 */
public record MetaRecord(byte[] key, byte[] value) {
    public boolean deleted() {
        return value == null;
    }

    /** Bytes this record takes in a segment, for sizing. */
    public int weight() {
        return key.length + (value == null ? 0 : value.length) + 8;
    }
}
