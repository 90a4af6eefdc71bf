/**
 * Keys and authenticated encryption for a tgcryptfs volume.
 *
 * <p><b>What enters:</b> a password (as {@code char[]}, never a {@code String}, so the caller can wipe it),
 * the plain-text {@link io.tgcryptfs.crypto.VolumeHeader}, block plaintexts, metadata objects with a
 * label saying what they are, and a {@link java.security.SecureRandom} (randomness is always injected).
 *
 * <p><b>What leaves:</b> the encoded header, sealed chunks and metadata objects, and keyed
 * {@link io.tgcryptfs.fs.ChunkId}s. Nothing secret leaves: callers never see a key.
 *
 * <p><b>Flow:</b> password -> Argon2id (cost and salt in the header) -> key-encryption key, which wraps a
 * random 256-bit master key with AES-256-GCM; the header authenticates volume id and block size through
 * the wrap's associated data, and the KDF parameters implicitly (other parameters, other KEK). HKDF-SHA256
 * (salt = volume id) derives one subkey per purpose, so a key never serves two roles:
 * {@code "tgcryptfs chunk-id v1"} (HMAC-SHA256 chunk ids), {@code "tgcryptfs chunk-enc v1"},
 * {@code "tgcryptfs meta-enc v1"}, and {@code "tgcryptfs naming v1"} (reserved for object naming; not
 * derived until something needs it). Every ciphertext binds its format version and what it is (chunk id,
 * metadata label) into the associated data, so a swapped, replayed-under-another-name or altered object
 * fails with {@link io.tgcryptfs.crypto.IntegrityException}, never with plaintext.
 *
 * <p><b>Why two providers:</b> Bouncy Castle supplies what the JDK lacks (Argon2id, HKDF); the hot path
 * (AES-GCM, HMAC) uses the JDK provider, whose intrinsics are ~30x faster here.
 *
 * <p><b>May import:</b> {@code java.*}, {@code javax.crypto.*}, {@code org.bouncycastle.*} (this is the
 * only package allowed to import the last two) and the shared value types of {@code io.tgcryptfs.fs}.
 */
package io.tgcryptfs.crypto;
