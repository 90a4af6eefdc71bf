/**
 * The command line (picocli): {@code init}, {@code mount}, {@code unmount}.
 *
 * <p><b>What enters:</b> arguments, the password (from {@code --password-file}, else
 * {@code TGCRYPTFS_PASSWORD}, else the terminal; never an argument), the configuration layers
 * ({@code --config}, {@code -D}, the user's {@code application.conf}) and SIGINT/SIGTERM.
 *
 * <p><b>What leaves:</b> exit code 0 on success, otherwise non-zero with one line on stderr
 * ({@link io.tgcryptfs.cli.CliException}); progress lines on stdout. {@code mount} opens the
 * {@code Volume}, mounts FUSE in the foreground, and on unmount or signal seals, uploads everything,
 * publishes a restore point covering everything and exits.
 *
 * <p><b>May import:</b> everything below it ({@code config}, {@code volume}, {@code fuse}, {@code backend}
 * implementations, {@code pipeline} status types, {@code metrics}), picocli and {@code sun.misc.Signal}.
 * Nothing imports this package.
 */
package io.tgcryptfs.cli;
