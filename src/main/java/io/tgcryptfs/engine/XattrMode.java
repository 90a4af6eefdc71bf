package io.tgcryptfs.engine;

/** setxattr flags: create or replace (0), XATTR_CREATE (must not exist), XATTR_REPLACE (must exist). */
public enum XattrMode {
    UPSERT,
    CREATE_ONLY,
    REPLACE_ONLY
}
