package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SambaShareTest {
    static final SambaShare TEMPLATE = new SambaShare("TimeMachine", Path.of("/srv/tg/timemachine"),
            Optional.of("timemachine"), 1L << 40);

    @Test
    void theShippedTemplate_isWhatTheCommandPrints() throws Exception {
        String shipped = Files.readString(Path.of("ops/samba/timemachine-share.conf"));
        assertEquals(settings(SambaShare.globalSection() + TEMPLATE.shareSection()), settings(shipped));
    }

    @Test
    void theShippedAvahiFile_isWhatTheCommandPrints() throws Exception {
        String shipped = Files.readString(Path.of("ops/avahi/timemachine.service"));
        assertEquals(withoutXmlComments(AvahiService.forShare("TimeMachine", 445)), withoutXmlComments(shipped));
    }

    @Test
    void theShare_hasNoLineThatBreaksMacs() {
        String conf = TEMPLATE.configuration();
        assertFalse(conf.contains("nfs_aces"), "fruit:nfs_aces = no makes AAPL negotiation fail");
        assertFalse(conf.contains("create mask"), "create mask = 0600 denies stream opens");
        assertTrue(conf.contains("fruit:time machine = yes"), conf);
        assertTrue(conf.contains("valid users = timemachine"), conf);
    }

    @Test
    void withoutAUser_anyAuthenticatedUserMayUseIt() {
        String section = new SambaShare("TM", Path.of("/srv/tm"), Optional.empty(), 500L << 30).shareSection();
        assertFalse(section.contains("valid users"), section);
        assertTrue(section.contains("fruit:time machine max size = 500G"), section);
    }

    @Test
    void sizes_areWrittenInSambasUnits_exactly() {
        assertEquals("1T", SambaShare.sambaSize(1L << 40));
        assertEquals("32K", SambaShare.sambaSize(32 << 10));
        assertEquals("1536M", SambaShare.sambaSize(1536L << 20));
        assertEquals("1000", SambaShare.sambaSize(1000));
    }

    @Test
    void namesAndPathsThatSmbConfCannotHold_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SambaShare("a]b", Path.of("/x"), Optional.empty(), 1));
        assertThrows(IllegalArgumentException.class, () -> new SambaShare(" x", Path.of("/x"), Optional.empty(), 1));
        assertThrows(IllegalArgumentException.class, () -> new SambaShare("x", Path.of("rel"), Optional.empty(), 1));
        assertThrows(IllegalArgumentException.class, () -> new SambaShare("x", Path.of("/x\ny = 1"), Optional.empty(), 1));
        assertThrows(IllegalArgumentException.class, () -> new SambaShare("x", Path.of("/x"), Optional.of("a\nb"), 1));
    }

    @Test
    void testparm_acceptsTheConfiguration_whenSambaIsInstalled(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Testparm.find().isPresent(), "testparm is not installed");
        Path conf = dir.resolve("share.conf");
        Files.writeString(conf, new SambaShare("Backups of Mac", dir, Optional.of("nobody"), 1L << 40).configuration());
        Testparm.Verdict verdict = Testparm.check(conf);
        assertTrue(verdict.ok(), verdict.output());

        Files.writeString(conf, "[global]\n   no such option = 1\n");
        assertFalse(Testparm.check(conf).ok(), "an unknown parameter is a failure");
    }

    private static String settings(String conf) {
        return Arrays.stream(conf.split("\n")).map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .collect(Collectors.joining("\n"));
    }

    private static String withoutXmlComments(String xml) {
        return xml.replaceAll("(?s)<!--.*?-->", "").replaceAll("\\n\\s*\\n", "\n").strip();
    }
}
