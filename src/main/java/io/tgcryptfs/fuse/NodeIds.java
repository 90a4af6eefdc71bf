package io.tgcryptfs.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kernel's node ids and libfuse's. libfuse 2's path API keeps a node per name, so a file with two
 * names would be two kernel inodes, each with its own cached size and times; under the writeback cache
 * the kernel trusts those over ours, and a write through one name stayed invisible through the other.
 * Here the kernel sees one node per file, numbered by its inode number ({@code use_ino}: unique over the
 * volume's life and never reused; the root is 1 on both sides), and each request is handed to libfuse
 * on one of the file's libfuse nodes, a named one when there is one (an unlinked name has no path).
 *
 * <p>Lookup counts stay exact on both sides: the kernel's count for a node is the sum of the entry
 * replies it was sent, and each of those raised one libfuse node's count, which this table remembers,
 * so a FORGET of n lookups becomes forgets of libfuse nodes that add up to n. libfuse aborts the process
 * on a node id it does not hold, so a libfuse node is handed out only while its count is above zero.
 * Thread-safe: the mount's workers share one table.
 */
final class NodeIds {
    static final long ROOT = 1;
    /** Not a node on either side. */
    static final long NONE = 0;

    private static final Logger log = LoggerFactory.getLogger(NodeIds.class);

    /** A name in a directory; the directory by its kernel node id, which a rename does not change. */
    record Name(long parent, String name) {
    }

    /** Receives the libfuse node and the lookups to forget of it. */
    interface Forgets {
        void forget(long libfuseNode, long lookups);
    }

    /** Per kernel node: its libfuse nodes, in the order first reached, with each one's lookup count. */
    private final Map<Long, LinkedHashMap<Long, Long>> lookups = new HashMap<>();
    private final Map<Name, Long> nodeByName = new HashMap<>();
    private final Map<Long, Name> nameByNode = new HashMap<>();
    private boolean mismatchLogged;

    /** The libfuse node to hand a request for {@code kernelNode} to, or {@link #NONE} for a node never entered. */
    synchronized long toLibfuse(long kernelNode) {
        if (kernelNode == ROOT) {
            return ROOT;
        }
        LinkedHashMap<Long, Long> nodes = lookups.get(kernelNode);
        if (nodes == null) {
            return NONE;
        }
        long unnamed = NONE;
        for (long node : nodes.keySet()) {
            if (nameByNode.containsKey(node)) {
                return node;
            }
            if (unnamed == NONE) {
                unnamed = node;
            }
        }
        return unnamed;
    }

    /**
     * An entry reply is about to reach the kernel: libfuse's node {@code libfuseNode}, reached by {@code name},
     * is inode {@code kernelNode}, and both sides count one more lookup of it.
     */
    synchronized void entered(long kernelNode, long libfuseNode, Name name) {
        lookups.computeIfAbsent(kernelNode, k -> new LinkedHashMap<>(2)).merge(libfuseNode, 1L, Long::sum);
        Name previous = nameByNode.put(libfuseNode, name);
        if (previous != null && !previous.equals(name)) {
            nodeByName.remove(previous, libfuseNode);
        }
        Long displaced = nodeByName.put(name, libfuseNode);
        if (displaced != null && displaced != libfuseNode) {
            nameByNode.remove(displaced, name);
        }
    }

    /** The kernel refused that reply (the request was interrupted); libfuse drops its lookup itself. */
    synchronized void notEntered(long kernelNode, long libfuseNode) {
        take(kernelNode, libfuseNode, 1);
    }

    /** {@code name} is gone: its node is reachable only while open (libfuse keeps a hidden name then). */
    synchronized void unlinked(Name name) {
        Long node = nodeByName.remove(name);
        if (node != null) {
            nameByNode.remove(node, name);
        }
    }

    /** The node named {@code from} is now named {@code to}; whatever {@code to} named before is unlinked. */
    synchronized void renamed(Name from, Name to) {
        unlinked(to);
        Long node = nodeByName.remove(from);
        if (node != null) {
            nodeByName.put(to, node);
            nameByNode.put(node, to);
        }
    }

    /** The kernel forgets {@code count} lookups of {@code kernelNode}: tells {@code out} what libfuse forgets. */
    synchronized void forget(long kernelNode, long count, Forgets out) {
        LinkedHashMap<Long, Long> nodes = lookups.get(kernelNode);
        long left = count;
        if (nodes != null) {
            Iterator<Map.Entry<Long, Long>> it = nodes.entrySet().iterator();
            while (left > 0 && it.hasNext()) {
                Map.Entry<Long, Long> e = it.next();
                long taken = Math.min(left, e.getValue());
                out.forget(e.getKey(), taken);
                left -= taken;
                if (taken == e.getValue()) {
                    it.remove();
                    dropName(e.getKey());
                } else {
                    e.setValue(e.getValue() - taken);
                }
            }
            if (nodes.isEmpty()) {
                lookups.remove(kernelNode);
            }
        }
        if (left > 0 && !mismatchLogged) {
            mismatchLogged = true;
            log.warn("the kernel forgot {} lookups of node {} more than it was sent", left, kernelNode);
        }
    }

    /** How many kernel nodes are known: for tests and the log. */
    synchronized int size() {
        return lookups.size();
    }

    private void take(long kernelNode, long libfuseNode, long count) {
        LinkedHashMap<Long, Long> nodes = lookups.get(kernelNode);
        if (nodes == null) {
            return;
        }
        Long held = nodes.get(libfuseNode);
        if (held == null) {
            return;
        }
        if (held > count) {
            nodes.put(libfuseNode, held - count);
            return;
        }
        nodes.remove(libfuseNode);
        dropName(libfuseNode);
        if (nodes.isEmpty()) {
            lookups.remove(kernelNode);
        }
    }

    private void dropName(long libfuseNode) {
        Name name = nameByNode.remove(libfuseNode);
        if (name != null) {
            nodeByName.remove(name, libfuseNode);
        }
    }
}
