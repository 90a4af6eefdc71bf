package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.gateway.ModelFs.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The operations on names of {@link ModelOps}: renames, hard links, unlinks, directories and symlinks,
 * among a few names in a few directories so that they collide.
 */
final class ModelNameOps {
    private static final String[] NAMES = {"a", "b", "c", "d", "e", "f"};

    private final Random rnd;
    private final ModelFs model;
    private final ModelSteps steps;
    private final ModelHandles handles;
    private FsGateway gw;

    ModelNameOps(Random rnd, ModelFs model, ModelSteps steps, ModelHandles handles) {
        this.rnd = rnd;
        this.model = model;
        this.steps = steps;
        this.handles = handles;
    }

    void mounted(FsGateway gateway) {
        gw = gateway;
    }

    void rename() {
        String from = rnd.nextInt(4) == 0 ? randomPath() : existingPath();
        String to = randomPath();
        Node src = model.lookup(from);
        Node srcDir = model.lookup(ModelFs.parentPath(from));
        Node dst = model.lookup(to);
        Node dstDir = model.lookup(ModelFs.parentPath(to));
        FsError error = model.renameError(from, to);
        if (error != null || src == dst) {
            steps.expect(error, "rename " + from + " -> " + to, () -> gw.rename(from, to));
            return;
        }
        String fromName = ModelFs.nameOf(from);
        String toName = ModelFs.nameOf(to);
        steps.expect(null, "rename " + from + " -> " + to, () -> {
            if (dst != null && !dst.isDir()) {
                handles.dropName(dstDir, toName, to); // libfuse hides an open target first; else the rename replaces it
            }
            gw.rename(from, to);
            if (dst != null && dst.isDir()) {
                ModelFs.removeName(dstDir, toName);
            }
            srcDir.children.remove(fromName);
            dstDir.children.put(toName, src);
            if (src.isDir()) {
                src.parent = dstDir;
            }
            handles.renamed(srcDir, fromName, dstDir, toName);
        });
    }

    void unlink() {
        String path = rnd.nextInt(4) == 0 ? randomPath() : existingPath();
        Node node = model.lookup(path);
        FsError error = node == null ? FsError.NOT_FOUND : node.isDir() ? FsError.IS_DIRECTORY : null;
        steps.expect(error, "unlink " + path, () -> {
            if (error != null || !handles.dropName(model.lookup(ModelFs.parentPath(path)), ModelFs.nameOf(path), path)) {
                gw.unlink(path);
            }
        });
    }

    void link() {
        String from = existingPath();
        String to = randomPath();
        Node src = model.lookup(from);
        FsError error = src == null ? FsError.NOT_FOUND : src.isDir() ? FsError.NOT_PERMITTED
                : model.lookup(to) != null ? FsError.EXISTS : null;
        steps.expect(error, "link " + from + " " + to, () -> {
            Inode linked = gw.link(from, to);
            src.links++;
            model.lookup(ModelFs.parentPath(to)).children.put(ModelFs.nameOf(to), src);
            assertEquals(src.links, linked.nlink(), steps.at("nlink a link returns"));
        });
    }

    void mkdir() {
        String path = randomPath();
        Node parent = model.lookup(ModelFs.parentPath(path));
        if (ModelFs.depth(parent) < 3) {
            steps.expect(model.lookup(path) != null ? FsError.EXISTS : null, "mkdir " + path, () -> {
                gw.mknod(path, FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
                Node d = new Node(FileKind.DIRECTORY, null);
                d.parent = parent;
                parent.children.put(ModelFs.nameOf(path), d);
            });
        }
    }

    void rmdir() {
        String path = rnd.nextBoolean() ? randomPath() : existingPath();
        Node node = model.lookup(path);
        FsError error = node == null ? FsError.NOT_FOUND : !node.isDir() ? FsError.NOT_DIRECTORY
                : !node.children.isEmpty() ? FsError.NOT_EMPTY : null;
        steps.expect(error, "rmdir " + path, () -> {
            gw.rmdir(path);
            ModelFs.removeName(model.lookup(ModelFs.parentPath(path)), ModelFs.nameOf(path));
        });
    }

    void symlink() {
        String path = randomPath();
        String target = "../" + NAMES[rnd.nextInt(NAMES.length)] + "/" + "t".repeat(rnd.nextInt(40));
        steps.expect(model.lookup(path) != null ? FsError.EXISTS : null, "symlink " + path, () -> {
            gw.symlink(target, path, Caller.ROOT);
            model.lookup(ModelFs.parentPath(path)).children.put(ModelFs.nameOf(path), new Node(FileKind.SYMLINK, target));
        });
    }

    // ---- choosing names ------------------------------------------------------------------------

    /** One of the few names in a directory of the model, so that operations meet the same names often. */
    String randomPath() {
        List<String> dirs = new ArrayList<>(List.of("/"));
        model.paths().stream().filter(p -> model.lookup(p).isDir()).forEach(dirs::add);
        return ModelFs.join(dirs.get(rnd.nextInt(dirs.size())), NAMES[rnd.nextInt(NAMES.length)]);
    }

    String existingPath() {
        List<String> paths = model.paths();
        return paths.isEmpty() ? randomPath() : paths.get(rnd.nextInt(paths.size()));
    }
}
