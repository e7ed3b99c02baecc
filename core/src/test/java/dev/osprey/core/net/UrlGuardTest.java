package dev.osprey.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Which addresses the SSRF guard treats as internal: IANA's special-purpose registries for IPv4 and IPv6, and every
 * IPv6 form that embeds an IPv4 address, judged by that address (issue 19, finding 3).
 */
class UrlGuardTest {

    private static boolean internal(String literal) throws Exception {
        return UrlGuard.internal(InetAddress.getByName(literal));
    }

    @Test
    void ipv6FormsThatEmbedAnInternalIpv4Address_areInternal() throws Exception {
        for (String address : new String[] {
            "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b::a00:1", // NAT64 of metadata, loopback, 10/8
            "64:ff9b:1::a9fe:a9fe", "64:ff9b:1::808:808", // local-use NAT64: internal whatever it embeds
            "2002:a9fe:a9fe::1", "2002:7f00:1::", "2002:c0a8:101::5", // 6to4 of metadata, loopback, 192.168/16
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "::a9fe:a9fe", "::127.0.0.1", "::8.8.8.8", // IPv4-compatible (deprecated, never routed)
            "::ffff:169.254.169.254", "::ffff:7f00:1", // IPv4-mapped
        }) {
            assertThat(internal(address)).as(address).isTrue();
        }
    }

    @Test
    void ipv6SpecialPurposeBlocks_areInternal_andPublicOnesAreNot() throws Exception {
        for (String address : new String[] {"::", "::1", "fe80::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1",
            "100::1", "2001:db8::1", "2001:2::1", "2001:20::1", "3fff::1", "5f00::1"}) {
            assertThat(internal(address)).as(address).isTrue();
        }
        for (String address : new String[] {"2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
            "64:ff9b::808:808", "2002:808:808::1"}) { // public hosts, directly or through NAT64 / 6to4
            assertThat(internal(address)).as(address).isFalse();
        }
    }

    @Test
    void ipv4SpecialPurposeBlocks_areInternal_andPublicOnesAreNot() throws Exception {
        for (String address : new String[] {"0.1.2.3", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.169.254",
            "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
            "198.51.100.7", "203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255"}) {
            assertThat(internal(address)).as(address).isTrue();
        }
        for (String address : new String[] {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.0.3.1",
            "198.20.0.1"}) {
            assertThat(internal(address)).as(address).isFalse();
        }
    }
}
