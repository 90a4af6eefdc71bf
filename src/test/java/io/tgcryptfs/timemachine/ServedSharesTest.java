package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shares and ports of an smb.conf, from testparm -s output as Samba 4.17 prints it. */
class ServedSharesTest {
    private static final String TESTPARM = """
            Load smb config files from /etc/samba/smb.conf
            Loaded services file OK.
            Weak crypto is allowed by GnuTLS (e.g. NTLM as a compatibility fallback)

            Server role: ROLE_STANDALONE

            # Global parameters
            [global]
            \tpasswd chat = *Enter\\snew\\s*\\spassword:* %n\\n *Retype\\snew\\s*\\spassword:* %n\\n .
            \tsmb ports = 44555
            \tvfs objects = catia fruit streams_xattr


            [homes]
            \tbrowseable = No


            [TimeMachine]
            \tpath = /srv/tg/timemachine/
            \tread only = No


            [other]
            \tpath = /srv/tgx
            """;

    @Test
    void parse_findsTheSharesOnTheMount_andThePortsFromGlobal() {
        ServedShares served = ServedShares.parse(TESTPARM);
        assertEquals(List.of(44555), served.ports());
        assertEquals(List.of(new ServedShares.Share("TimeMachine", Path.of("/srv/tg/timemachine"))), served.under(Path.of("/srv/tg")),
                "/srv/tgx is not on the mount at /srv/tg, and [homes] has no path");
    }

    @Test
    void parse_withoutSmbPorts_usesSambasDefaults() {
        assertEquals(List.of(445, 139), ServedShares.parse("[global]\n\tworkgroup = X\n").ports());
    }
}
