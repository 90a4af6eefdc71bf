package io.tgcryptfs.meta;

/**
 * A pack's life: chunks are appended while OPEN, it waits for upload when SEALED, and is safe once
 * UPLOADED. gc moves the live chunks of a mostly dead pack elsewhere and RETIRES it; a retired pack is
 * deleted from the backend once no published metadata snapshot can refer to it.
 */
public enum PackState {
    OPEN,
    SEALED,
    UPLOADED,
    RETIRED
}
