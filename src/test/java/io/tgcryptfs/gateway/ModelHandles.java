package io.tgcryptfs.gateway;

import io.tgcryptfs.gateway.ModelFs.Handle;
import io.tgcryptfs.gateway.ModelFs.Node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The handles a {@link ModelCheckTest} run keeps open, and what libfuse does with the names they are open
 * under: hides them when they are unlinked, and unlinks the hidden name at the last release.
 */
final class ModelHandles {
    private final Random rnd;
    private final ModelFs model;
    private final ModelSteps steps;
    private final List<Handle> handles = new ArrayList<>();
    private FsGateway gw;
    private int hidden;

    ModelHandles(Random rnd, ModelFs model, ModelSteps steps) {
        this.rnd = rnd;
        this.model = model;
        this.steps = steps;
    }

    void mounted(FsGateway gateway) {
        gw = gateway;
        handles.clear(); // unlinked open files are deleted at the next open, hidden names and all
        model.paths().stream().map(model::lookup).filter(Node::isDir).forEach(d -> d.hidden.clear());
        model.root.hidden.clear();
    }

    List<Handle> open() {
        return Collections.unmodifiableList(handles);
    }

    int count() {
        return handles.size();
    }

    void add(Handle h) {
        handles.add(h);
    }

    Handle any() {
        return handles.isEmpty() ? null : handles.get(rnd.nextInt(handles.size()));
    }

    void releaseAny() {
        Handle h = any();
        if (h != null) {
            release(h);
        }
    }

    /** Before the volume closes: all released for a clean unmount; before a crash, all or none. */
    void beforeClose(boolean clean) {
        if (clean || rnd.nextBoolean()) {
            new ArrayList<>(handles).forEach(this::release);
        }
    }

    /** close(2): flush and release; libfuse then removes its hidden name if no handle is left under it. */
    void release(Handle h) {
        steps.op("release " + h, () -> {
            gw.flush(h.fh);
            gw.release(h.fh);
            handles.remove(h);
            if (h.name != null && h.dir.hidden.containsKey(h.name) && handles.stream().noneMatch(o -> o.namedBy(h.dir, h.name))) {
                h.dir.hidden.remove(h.name);
                String dirPath = model.pathOf(h.dir);
                if (dirPath != null) {
                    gw.unlink(ModelFs.join(dirPath, h.name));
                }
            }
        });
    }

    /**
     * Takes a file's name away in the model. libfuse (mounted without hard_remove) does not unlink a
     * name a handle is open under: it renames it to a hidden name, and unlinks that at the last release.
     * Half the time this does that, the other half it leaves the open file to the engine, as with
     * hard_remove. Returns whether it hid the name (then the caller's unlink is not made).
     */
    boolean dropName(Node dir, String name, String path) {
        boolean open = handles.stream().anyMatch(o -> o.namedBy(dir, name));
        boolean libfuse = rnd.nextBoolean();
        Node node = dir.children.get(name);
        ModelFs.removeName(dir, name);
        if (open && libfuse) {
            String hiddenName = String.format(".fuse_hidden%08x%08x", steps.step(), ++hidden);
            steps.log("  libfuse hides " + path + " as " + hiddenName);
            gw.rename(path, ModelFs.join(ModelFs.parentPath(path), hiddenName));
            dir.hidden.put(hiddenName, node);
            handles.stream().filter(o -> o.namedBy(dir, name)).forEach(o -> o.name = hiddenName);
            return true;
        }
        handles.stream().filter(o -> o.namedBy(dir, name)).forEach(o -> o.name = null);
        return false;
    }

    /** A rename: the handles open under the old name are now under the new one. */
    void renamed(Node fromDir, String fromName, Node toDir, String toName) {
        handles.stream().filter(o -> o.namedBy(fromDir, fromName)).forEach(o -> {
            o.dir = toDir;
            o.name = toName;
        });
    }
}
