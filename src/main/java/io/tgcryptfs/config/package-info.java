/**
 * Configuration: Typesafe Config layered and read once into typed {@link io.tgcryptfs.config.Settings}.
 *
 * <p><b>What enters:</b> an optional {@code --config} file and the environment ({@code XDG_CONFIG_HOME},
 * {@code XDG_DATA_HOME}). Layers, highest first: {@code -D} system properties, the {@code --config} file,
 * {@code ~/.config/tgcryptfs/application.conf}, {@code application.conf} on the classpath,
 * {@code reference.conf} (which documents every key under {@code tgcryptfs.}).
 *
 * <p><b>What leaves:</b> one immutable {@link io.tgcryptfs.config.Settings} record (plus the raw
 * {@code Config} for Pekko and backend settings). A missing, mistyped or out-of-range key fails at start-up
 * with its name; nothing else reads Config for {@code tgcryptfs.*} keys except backend settings builders.
 *
 * <p><b>May import:</b> {@code java.*} and {@code com.typesafe.config}.
 */
package io.tgcryptfs.config;
