package dev.osprey.core.net;

import dev.osprey.core.OspreyException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses URLs that would make the server call into its own network (SSRF) — webhook targets, gateway provider base
 * URLs: loopback, link-local (cloud metadata at 169.254.169.254), private, CGNAT, unique-local and unspecified
 * addresses, however the host is spelled (decimal or short IPv4 forms, IPv4-mapped IPv6, names that resolve there).
 * Only hosts the operator allowed explicitly ({@code host} or {@code host:port}), or every host when the operator
 * allowed private targets, pass anyway. Checked at configuration and again before every call, since a name can
 * start resolving elsewhere.
 */
public final class UrlGuard {
    /** Name resolution, the system's by default; tests give one whose answers change (DNS rebinding). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Set<String> allowed;
    private final String what;
    private final String howToAllow;
    private final boolean allowPrivate;
    private final Resolver resolver;

    /** The webhook guard. */
    public UrlGuard(List<String> allowedHosts) {
        this(allowedHosts, "Webhook URL", "Allow the host explicitly in the server configuration "
                + "(OSPREY_WEBHOOK_ALLOWED_HOSTS) if that is intended.", false);
    }

    /**
     * @param what how errors name the URL ("Webhook URL")
     * @param howToAllow what errors tell the operator to do if the internal target is intended
     * @param allowPrivate let every resolvable host pass (local development, tests, a local Ollama)
     */
    public UrlGuard(List<String> allowedHosts, String what, String howToAllow, boolean allowPrivate) {
        this(Set.copyOf(allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty()).toList()), what, howToAllow, allowPrivate, InetAddress::getAllByName);
    }

    private UrlGuard(Set<String> allowed, String what, String howToAllow, boolean allowPrivate, Resolver resolver) {
        this.allowed = allowed;
        this.what = what;
        this.howToAllow = howToAllow;
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /** The same guard resolving names through {@code resolver}. */
    public UrlGuard withResolver(Resolver resolver) {
        return new UrlGuard(allowed, what, howToAllow, allowPrivate, resolver);
    }

    public URI check(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw invalid(url, e.getReason() + ".");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw invalid(url, "only http and https are allowed.");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty() || uri.getRawUserInfo() != null) {
            throw invalid(url, "it needs a host and no user info.");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (allowed.contains(bare.toLowerCase(Locale.ROOT)) || allowed.contains(bare.toLowerCase(Locale.ROOT)
                + ":" + port)) {
            return uri;
        }
        if (allowPrivate) {
            return uri;
        }
        Optional<InetAddress> numeric = inetAton(bare);
        if (numeric.isPresent() && internal(numeric.get())) {
            // Hex, octal and short forms other clients (curl, browsers) read as an address.
            throw OspreyException.invalid(what + " '" + url + "' points at an internal address ("
                    + numeric.get().getHostAddress() + "). " + howToAllow);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            throw invalid(url, "host '" + host + "' does not resolve.");
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw OspreyException.invalid(what + " '" + url + "' points at an internal address ("
                        + address.getHostAddress() + "). " + howToAllow);
            }
        }
        return uri;
    }

    private OspreyException invalid(String url, String reason) {
        return OspreyException.invalid("Invalid " + what.toLowerCase(Locale.ROOT) + " '" + url + "': " + reason);
    }

    /**
     * Whether an address is not a public unicast one: IANA's IPv4 and IPv6 special-purpose registries, and every
     * IPv6 form that embeds or reaches an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) judged by the IPv4
     * address inside it. A cloud metadata address must not be reachable as {@code [64:ff9b::a9fe:a9fe]}.
     */
    public static boolean internal(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            return internalV6(v6);
        }
        if (address instanceof Inet4Address v4) {
            return internalV4(v4.getAddress());
        }
        return true;
    }

    private static boolean internalV6(Inet6Address v6) {
        byte[] b = v6.getAddress();
        int first16 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int second16 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        if (isMappedV4(b)) {
            return internalV4(slice(b, 12)); // ::ffff:a.b.c.d
        }
        if (zeros(b, 0, 12)) {
            return true; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d, which nothing routes
        }
        if (first16 == 0x0064 && second16 == 0xff9b && zeros(b, 4, 12)) {
            return internalV4(slice(b, 12)); // NAT64, 64:ff9b::/96 (RFC 6052)
        }
        if (first16 == 0x2002) {
            return internalV4(slice(b, 2)); // 6to4, 2002:a.b.c.d::/48 (RFC 3056)
        }
        boolean localNat64 = first16 == 0x0064 && second16 == 0xff9b; // 64:ff9b:1::/48 and the rest of 64:ff9b::/32
        boolean discard = first16 == 0x0100 && zeros(b, 2, 8); // 100::/64
        boolean ietfProtocols = first16 == 0x2001 && (b[2] & 0xfe) == 0; // 2001::/23: Teredo, benchmarking, ORCHID...
        boolean documentation = first16 == 0x2001 && second16 == 0x0db8 // 2001:db8::/32
                || first16 == 0x3fff && (b[2] & 0xf0) == 0; // 3fff::/20 (RFC 9637)
        boolean segmentRouting = first16 == 0x5f00; // 5f00::/16 (RFC 9602)
        boolean uniqueLocal = (b[0] & 0xfe) == 0xfc; // fc00::/7
        boolean siteLocal = (b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0; // fec0::/10, deprecated
        return v6.isLoopbackAddress() || v6.isLinkLocalAddress() || siteLocal || v6.isAnyLocalAddress()
                || v6.isMulticastAddress() || uniqueLocal || localNat64 || discard || ietfProtocols || documentation
                || segmentRouting;
    }

    private static boolean internalV4(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        int third = b[2] & 0xff;
        boolean thisNetwork = first == 0; // 0.0.0.0/8
        boolean privateUse = first == 10 || first == 172 && second >= 16 && second <= 31
                || first == 192 && second == 168;
        boolean cgnat = first == 100 && second >= 64 && second <= 127; // 100.64.0.0/10
        boolean loopback = first == 127;
        boolean linkLocal = first == 169 && second == 254; // cloud metadata lives here
        boolean ietfProtocols = first == 192 && second == 0 && third == 0; // 192.0.0.0/24
        boolean documentation = first == 192 && second == 0 && third == 2 // TEST-NET-1, -2, -3
                || first == 198 && second == 51 && third == 100 || first == 203 && second == 0 && third == 113;
        boolean relay6to4 = first == 192 && second == 88 && third == 99; // 192.88.99.0/24, deprecated anycast
        boolean benchmark = first == 198 && (second == 18 || second == 19); // 198.18.0.0/15
        boolean multicastAndReserved = first >= 224; // 224/4 multicast, 240/4 reserved, broadcast
        return thisNetwork || privateUse || cgnat || loopback || linkLocal || ietfProtocols || documentation
                || relay6to4 || benchmark || multicastAndReserved;
    }

    private static byte[] slice(byte[] b, int from) {
        return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
    }

    /** Whether bytes {@code [from, to)} are all zero. */
    private static boolean zeros(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The address to connect to for {@code host}, checked the way {@link #check} checks URLs. HTTP clients that ask
     * this at connection time (a custom DNS resolver) close the window in which a name checked earlier starts
     * resolving to an internal address (DNS rebinding).
     *
     * @throws BlockedAddressException if the name resolves to an internal address that is not allowed
     */
    public InetAddress pinnedAddress(String host) throws UnknownHostException {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        String lower = bare.toLowerCase(Locale.ROOT);
        boolean allowedHost = allowPrivate || allowed.contains(lower)
                || allowed.stream().anyMatch(a -> a.startsWith(lower + ":"));
        InetAddress[] addresses = resolver.resolve(bare);
        if (!allowedHost) {
            for (InetAddress address : addresses) {
                if (internal(address)) {
                    throw new BlockedAddressException(what + " host '" + host + "' now resolves to an internal "
                            + "address (" + address.getHostAddress() + "); the call was not made. " + howToAllow);
                }
            }
        }
        return addresses[0];
    }

    /** A host in any of inet_aton's numeric IPv4 forms (1 to 4 parts, decimal, 0x hex or 0 octal). */
    static Optional<InetAddress> inetAton(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length > 4) {
            return Optional.empty();
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].toLowerCase(Locale.ROOT);
            try {
                if (p.startsWith("0x")) {
                    values[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
                } else if (p.length() > 1 && p.startsWith("0")) {
                    values[i] = Long.parseLong(p.substring(1), 8);
                } else {
                    values[i] = Long.parseLong(p);
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (values[i] < 0) {
                return Optional.empty();
            }
        }
        long address = 0;
        int last = parts.length - 1;
        for (int i = 0; i < last; i++) {
            if (values[i] > 255) {
                return Optional.empty();
            }
            address |= values[i] << (24 - 8 * i);
        }
        long rest = values[last];
        if (rest >= (1L << (32 - 8 * last))) {
            return Optional.empty();
        }
        address |= rest;
        try {
            return Optional.of(InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16),
                    (byte) (address >>> 8), (byte) address}));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isMappedV4(byte[] b) {
        return zeros(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
