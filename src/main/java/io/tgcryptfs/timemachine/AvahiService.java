package io.tgcryptfs.timemachine;

/**
 * The Avahi service file that makes a Samba Time Machine share show up on Macs: _smb._tcp lists the
 * server in Finder, _adisk._tcp offers the named share in Time Machine's "Add Backup Disk". The same
 * text as ops/avahi/timemachine.service for the share name TimeMachine.
 */
public final class AvahiService {
    private AvahiService() {
    }

    /** For the share called {@code shareName} served on {@code port} (445 unless smbd listens elsewhere). */
    public static String forShare(String shareName, int port) {
        return """
                <?xml version="1.0" standalone='no'?>
                <!DOCTYPE service-group SYSTEM "avahi-service.dtd">
                <!-- Bonjour discovery of a Samba Time Machine share, written by `tgcryptfs timemachine share`.
                     Install as /etc/avahi/services/<name>.service; avahi-daemon reads it by itself. -->
                <service-group>
                  <name replace-wildcards="yes">%%h</name>
                  <service>
                    <type>_smb._tcp</type>
                    <port>%2$d</port>
                  </service>
                  <service>
                    <type>_device-info._tcp</type>
                    <port>9</port>
                    <txt-record>model=TimeCapsule8,119</txt-record>
                  </service>
                  <service>
                    <type>_adisk._tcp</type>
                    <port>9</port>
                    <txt-record>sys=waMa=0,adVF=0x100</txt-record>
                    <txt-record>dk0=adVN=%1$s,adVF=0x82</txt-record>
                  </service>
                </service-group>
                """.formatted(xml(shareName), port);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
