/**
 * Time Machine support: the sparse bundle format (Info.plist, Info.bckup, token, bands/) for
 * `tgcryptfs timemachine create` and `status`. Enters: a directory (normally inside the mount) and a
 * size. Leaves: files written through the ordinary file API, and summaries. Imports only the JDK.
 */
package io.tgcryptfs.timemachine;
