package io.tgcryptfs.engine;

/** A reply that carries no value. */
public enum Done {
    INSTANCE
}
