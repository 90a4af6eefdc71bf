/**
 * The control channel between the running mount and the {@code status} and {@code sync} commands.
 *
 * <p><b>What enters:</b> one request line per connection on a Unix domain socket in the state directory
 * ({@code <state>/control.sock}, mode 0600, so only the owner of the state directory can connect):
 * {@code status}, {@code sync}, {@code gc}, {@code verify}, {@code usage PATH} (stored and pending bytes of
 * the files under PATH, for {@code timemachine status}) or {@code stop-share MOUNTPOINT} (stop the smbd of
 * {@code timemachine mount --share}, so {@code unmount} finds the mount no longer busy).
 *
 * <p><b>What leaves:</b> answer lines written by the mount's handler, then a final {@code ok} or
 * {@code error: <reason>}. {@link io.tgcryptfs.control.ControlClient#request} streams the lines to the
 * caller and returns null on {@code ok}, else the reason.
 *
 * <p><b>May import:</b> {@code java.*} and slf4j. It knows nothing of volumes: the handler is given by
 * {@code cli.MountCommand}.
 */
package io.tgcryptfs.control;
