package io.tgcryptfs.gateway;

import java.util.ArrayList;
import java.util.List;

/** A whole directory listing, as the tests compare it. */
public final class Listings {
    private Listings() {
    }

    public static List<Listing> of(FsGateway gw, String path) {
        List<Listing> all = new ArrayList<>();
        gw.readdir(path, all::add);
        return all;
    }
}
