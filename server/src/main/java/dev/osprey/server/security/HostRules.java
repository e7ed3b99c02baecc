package dev.osprey.server.security;

import dev.osprey.core.net.UrlGuard;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which {@code Host} headers and browser {@code Origin}s the server answers (DNS rebinding and cross-site requests).
 * Patterns are MLflow's: exact values or {@code *} wildcards ({@code *.corp.example}, {@code 192.168.*}).
 *
 * <p>Without configured hosts the default is loopback names and loopback or private <em>IP literals</em>, any port.
 * MLflow writes that default as globs ({@code 10.*}), which also match a name such as {@code 10.attacker.example}
 * that an attacker can point at 127.0.0.1; parsing the literal closes that gap.
 */
public final class HostRules {
    private static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "[::1]", "0.0.0.0");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+]");

    private final List<Pattern> hosts;
    private final boolean anyHost;
    private final List<Pattern> origins;
    private final boolean anyOrigin;

    /**
     * @param allowedHosts Host patterns; empty means the default above
     * @param allowedOrigins Origin patterns beyond the server's own origin and localhost ones
     */
    public HostRules(List<String> allowedHosts, List<String> allowedOrigins) {
        this.anyHost = allowedHosts.contains("*");
        this.hosts = allowedHosts.stream().map(HostRules::glob).toList();
        this.anyOrigin = allowedOrigins.contains("*");
        this.origins = allowedOrigins.stream().map(HostRules::glob).toList();
    }

    static Pattern glob(String pattern) {
        List<String> parts = List.of(pattern.toLowerCase(Locale.ROOT).split("\\*", -1));
        return Pattern.compile(String.join(".*", parts.stream().map(Pattern::quote).toList()));
    }

    /** Whether a request carrying this Host header is answered. */
    public boolean hostAllowed(String hostHeader) {
        if (hostHeader.isEmpty()) {
            return false;
        }
        String host = hostHeader.toLowerCase(Locale.ROOT);
        if (anyHost) {
            return true;
        }
        if (!hosts.isEmpty()) {
            return hosts.stream().anyMatch(p -> p.matcher(host).matches());
        }
        return localOrPrivate(withoutPort(host));
    }

    /**
     * Whether a browser page of this origin may call the API: the server's own origin (same Host), localhost
     * origins, and the configured ones.
     */
    public boolean originAllowed(String origin, String hostHeader) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (anyOrigin || origins.stream().anyMatch(p -> p.matcher(o).matches())) {
            return true;
        }
        String authority = o.replaceFirst("^https?://", "");
        if (authority.equals(o) || authority.contains("/")) {
            return false; // "null", file:, or a malformed origin
        }
        if (authority.equals(hostHeader.toLowerCase(Locale.ROOT))) {
            return true;
        }
        String name = withoutPort(authority);
        return o.startsWith("http://") && (name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]"));
    }

    static String withoutPort(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(0, end + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /**
     * Loopback names, or an IP literal the SSRF guard counts as internal (loopback, private, link-local,
     * unique-local, ...): the same classification in both directions.
     */
    static boolean localOrPrivate(String name) {
        if (LOOPBACK_NAMES.contains(name)) {
            return true;
        }
        if (!IPV4.matcher(name).matches() && !IPV6.matcher(name).matches()) {
            return false; // a DNS name: never resolved here (that is what a rebinding attack controls)
        }
        try {
            return UrlGuard.internal(InetAddress.getByName(name)); // a literal: parsed, no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
