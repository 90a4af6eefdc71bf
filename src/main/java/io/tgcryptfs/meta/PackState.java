package io.tgcryptfs.meta;

/** A pack's life: chunks are appended while OPEN, it waits for upload when SEALED, and is safe once UPLOADED. */
public enum PackState {
    OPEN,
    SEALED,
    UPLOADED
}
