package io.tgcryptfs.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 *
 * <p>The kernel may hold millions of files, so the common case (one libfuse node per file) takes one
 * entry of a primitive table, and names are 64-bit hashes of the directory and the name: two names
 * colliding (a chance of about 2^-64 per pair) could only make a request of a hard-linked file go to a
 * name unlinked meanwhile, which libfuse answers ENOENT. Thread-safe: the mount's workers share one table.
 */
final class NodeIds {
    static final long ROOT = 1;
    /** Not a node on either side, and no name. */
    static final long NONE = 0;

    private static final Logger log = LoggerFactory.getLogger(NodeIds.class);
    private static final int NODE = 0;
    private static final int COUNT = 1;
    private static final int NAME = 2;
    private static final int KERNEL = 1;

    /** Receives the libfuse node and the lookups to forget of it. */
    interface Forgets {
        void forget(long libfuseNode, long lookups);
    }

    /** Kernel node -> its one libfuse node, that node's lookup count and its name (NONE: unnamed). */
    private final LongTable single = new LongTable(3);
    /** Kernel nodes reached through several libfuse nodes (a hard-linked file): {node, count, name} each, first reached first. */
    private final Map<Long, List<long[]>> several = new HashMap<>();
    /** Name -> the libfuse node it names and that node's kernel node. */
    private final LongTable names = new LongTable(2);
    private boolean mismatchLogged;

    /** The key of {@code length} name bytes at {@code offset} in {@code bytes}, in directory {@code parent}: never NONE. */
    static long nameKey(long parent, byte[] bytes, int offset, int length) {
        long h = 0xcbf29ce484222325L ^ parent * 0x9E3779B97F4A7C15L;
        for (int i = offset; i < offset + length; i++) {
            h = (h ^ (bytes[i] & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 29;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 32;
        return h == NONE ? 1 : h;
    }

    /** The libfuse node to hand a request for {@code kernelNode} to, or {@link #NONE} for a node never entered. */
    synchronized long toLibfuse(long kernelNode) {
        if (kernelNode == ROOT) {
            return ROOT;
        }
        int slot = single.find(kernelNode);
        if (slot >= 0) {
            return single.value(slot, NODE);
        }
        List<long[]> nodes = several.get(kernelNode);
        if (nodes == null || nodes.isEmpty()) {
            return NONE;
        }
        for (long[] node : nodes) {
            if (node[NAME] != NONE) {
                return node[NODE];
            }
        }
        return nodes.get(0)[NODE];
    }

    /**
     * An entry reply is about to reach the kernel: libfuse's node {@code libfuseNode}, reached by the name
     * {@code name} ({@link #nameKey}), is inode {@code kernelNode}, and both sides count one more lookup of it.
     */
    synchronized void entered(long kernelNode, long libfuseNode, long name) {
        int slot = names.find(name);
        if (slot >= 0 && names.value(slot, NODE) != libfuseNode) {
            setName(names.value(slot, KERNEL), names.value(slot, NODE), NONE); // that node lost the name
        }
        long previousName = countLookup(kernelNode, libfuseNode, name);
        if (previousName != NONE && previousName != name) {
            removeName(previousName, libfuseNode);
        }
        slot = names.insert(name);
        names.setValue(slot, NODE, libfuseNode);
        names.setValue(slot, KERNEL, kernelNode);
    }

    /** The kernel refused that reply (the request was interrupted); libfuse drops its lookup itself. */
    synchronized void notEntered(long kernelNode, long libfuseNode) {
        take(kernelNode, libfuseNode, 1, null);
    }

    /** {@code name} is gone: its node is reachable only while open (libfuse keeps a hidden name then). */
    synchronized void unlinked(long name) {
        int slot = names.find(name);
        if (slot >= 0) {
            long node = names.value(slot, NODE);
            long kernelNode = names.value(slot, KERNEL);
            names.remove(name);
            setName(kernelNode, node, NONE);
        }
    }

    /** The node named {@code from} is now named {@code to}; whatever {@code to} named before is unlinked. */
    synchronized void renamed(long from, long to) {
        unlinked(to);
        int slot = names.find(from);
        if (slot < 0) {
            return;
        }
        long node = names.value(slot, NODE);
        long kernelNode = names.value(slot, KERNEL);
        names.remove(from);
        slot = names.insert(to);
        names.setValue(slot, NODE, node);
        names.setValue(slot, KERNEL, kernelNode);
        setName(kernelNode, node, to);
    }

    /** The kernel forgets {@code count} lookups of {@code kernelNode}: tells {@code out} what libfuse forgets. */
    synchronized void forget(long kernelNode, long count, Forgets out) {
        long left = count;
        int slot = single.find(kernelNode);
        if (slot >= 0) {
            left -= take(kernelNode, single.value(slot, NODE), left, out);
        } else {
            List<long[]> nodes = several.get(kernelNode);
            while (left > 0 && nodes != null && !nodes.isEmpty()) {
                left -= take(kernelNode, nodes.get(0)[NODE], left, out);
                nodes = several.get(kernelNode);
            }
        }
        if (left > 0 && !mismatchLogged) {
            mismatchLogged = true;
            log.warn("the kernel forgot {} lookups of node {} more than it was sent", left, kernelNode);
        }
    }

    /** How many kernel nodes are known: for tests and the log. */
    synchronized int size() {
        return single.size() + several.size();
    }

    /** Counts a lookup of {@code node} for {@code kernelNode}, now named {@code name}; returns its name before. */
    private long countLookup(long kernelNode, long node, long name) {
        int slot = single.find(kernelNode);
        List<long[]> nodes = several.get(kernelNode);
        if (slot < 0 && nodes == null) {
            slot = single.insert(kernelNode);
            single.setValue(slot, NODE, node);
            single.setValue(slot, COUNT, 1);
            single.setValue(slot, NAME, name);
            return NONE;
        }
        if (slot >= 0) {
            if (single.value(slot, NODE) == node) {
                long before = single.value(slot, NAME);
                single.setValue(slot, COUNT, single.value(slot, COUNT) + 1);
                single.setValue(slot, NAME, name);
                return before;
            }
            nodes = new ArrayList<>(2);
            nodes.add(new long[] {single.value(slot, NODE), single.value(slot, COUNT), single.value(slot, NAME)});
            single.remove(kernelNode);
            several.put(kernelNode, nodes);
        }
        for (long[] n : nodes) {
            if (n[NODE] == node) {
                long before = n[NAME];
                n[COUNT]++;
                n[NAME] = name;
                return before;
            }
        }
        nodes.add(new long[] {node, 1, name});
        return NONE;
    }

    /** Takes up to {@code count} lookups of {@code node} off {@code kernelNode}, telling {@code out}; returns how many. */
    private long take(long kernelNode, long node, long count, Forgets out) {
        long held;
        long name;
        int slot = single.find(kernelNode);
        long[] entry = null;
        if (slot >= 0 && single.value(slot, NODE) == node) {
            held = single.value(slot, COUNT);
            name = single.value(slot, NAME);
        } else {
            entry = entryOf(kernelNode, node);
            if (entry == null) {
                return 0;
            }
            held = entry[COUNT];
            name = entry[NAME];
        }
        long taken = Math.min(held, count);
        if (out != null) {
            out.forget(node, taken);
        }
        if (taken < held) {
            if (entry == null) {
                single.setValue(slot, COUNT, held - taken);
            } else {
                entry[COUNT] = held - taken;
            }
            return taken;
        }
        if (entry == null) {
            single.remove(kernelNode);
        } else {
            List<long[]> nodes = several.get(kernelNode);
            nodes.remove(entry);
            if (nodes.isEmpty()) {
                several.remove(kernelNode);
            }
        }
        if (name != NONE) {
            removeName(name, node);
        }
        return taken;
    }

    private long[] entryOf(long kernelNode, long node) {
        List<long[]> nodes = several.get(kernelNode);
        if (nodes != null) {
            for (long[] n : nodes) {
                if (n[NODE] == node) {
                    return n;
                }
            }
        }
        return null;
    }

    private void setName(long kernelNode, long node, long name) {
        int slot = single.find(kernelNode);
        if (slot >= 0) {
            if (single.value(slot, NODE) == node) {
                single.setValue(slot, NAME, name);
            }
            return;
        }
        long[] entry = entryOf(kernelNode, node);
        if (entry != null) {
            entry[NAME] = name;
        }
    }

    /** Drops {@code name} if it still names {@code node}. */
    private void removeName(long name, long node) {
        int slot = names.find(name);
        if (slot >= 0 && names.value(slot, NODE) == node) {
            names.remove(name);
        }
    }
}
