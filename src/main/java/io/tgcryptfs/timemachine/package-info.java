/**
 * Time Machine support, independent of the engine: everything here works on ordinary files (normally
 * a directory of the mount) through the JDK's file API.
 *
 * <ul>
 *   <li>{@link io.tgcryptfs.timemachine.SparseBundle}: the sparse bundle format (Info.plist, Info.bckup,
 *       token, bands/) for {@code timemachine create} and {@code status};
 *       {@link io.tgcryptfs.timemachine.BundleOwner} hands a bundle to the Samba user with writable modes.</li>
 *   <li>{@link io.tgcryptfs.timemachine.SambaShare}, {@link io.tgcryptfs.timemachine.AvahiService},
 *       {@link io.tgcryptfs.timemachine.Testparm}, {@link io.tgcryptfs.timemachine.SmbConfInclude}: the
 *       share's smb.conf text, its Bonjour advertisement, Samba's own check of it, and its inclusion in
 *       smb.conf, for {@code timemachine share} and {@code init}.</li>
 *   <li>{@link io.tgcryptfs.timemachine.BundleSync}: {@code timemachine sync}, a local bundle copied in,
 *       changed files only, crash-safe.</li>
 *   <li>{@link io.tgcryptfs.timemachine.LatestBackup} and {@link io.tgcryptfs.timemachine.Coverage}: the
 *       last backup Time Machine recorded, and whether the newest restore point covers the last write.</li>
 *   <li>{@link io.tgcryptfs.timemachine.ServedShares}, {@link io.tgcryptfs.timemachine.ListeningPorts} and
 *       {@link io.tgcryptfs.timemachine.SmbdProcess}: for {@code timemachine mount --share}, the shares of an
 *       smb.conf, whether their port is taken, and smbd as a child process that is stopped before unmounting.</li>
 * </ul>
 *
 * <p><b>Enters:</b> paths, sizes, names, and the mount's status lines. <b>Leaves:</b> files written through
 * the ordinary file API, configuration text, summaries, an smbd child process. <b>May import:</b> only the
 * JDK; it runs {@code testparm} when Samba is installed, and {@code smbd}.
 */
package io.tgcryptfs.timemachine;
