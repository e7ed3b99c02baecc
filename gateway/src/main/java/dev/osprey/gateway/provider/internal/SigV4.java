package dev.osprey.gateway.provider.internal;

import dev.osprey.core.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Internal to the gateway's provider adapters: not API, may change without notice.
 *
 * AWS Signature Version 4 for a POST with a JSON body, as the AWS SDK for Java v2 signs requests to services other
 * than S3: every header sent is signed, including {@code x-amz-content-sha256}, and the path is URI-encoded once more
 * for the canonical request. Tests check the result against the SDK's own signer.
 */
public final class SigV4 {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private SigV4() {}

    /** AWS credentials; the session token is for temporary ones. */
    public record Credentials(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {
        @Override
        public String toString() {
            return "Credentials[" + accessKeyId + "]";
        }
    }

    /**
     * The headers to send: {@code headers} plus {@code Host}, {@code X-Amz-Date}, the session token if any and
     * {@code Authorization}.
     */
    public static Map<String, String> sign(URI uri, Map<String, String> headers, byte[] body, Credentials credentials,
            String region, String service, Instant now) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        Map<String, String> toSign = new TreeMap<>();
        headers.forEach((k, v) -> toSign.put(k.toLowerCase(Locale.ROOT), v.trim()));
        String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        toSign.put("host", host);
        String payloadHash = hex(Sha256.of(body));
        toSign.put("x-amz-content-sha256", payloadHash);
        toSign.put("x-amz-date", amzDate);
        credentials.sessionToken().ifPresent(t -> toSign.put("x-amz-security-token", t));
        StringBuilder canonicalHeaders = new StringBuilder();
        toSign.forEach((k, v) -> canonicalHeaders.append(k).append(':').append(v).append('\n'));
        String signedHeaders = String.join(";", toSign.keySet());
        String canonicalRequest = "POST\n" + canonicalPath(uri.getRawPath()) + "\n" + canonicalQuery(uri.getRawQuery())
                + "\n" + canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash;
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(Sha256.of(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = hex(hmac(key, stringToSign));
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.put("X-Amz-Date", amzDate);
        out.put("X-Amz-Content-Sha256", payloadHash);
        credentials.sessionToken().ifPresent(t -> out.put("X-Amz-Security-Token", t));
        out.put("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        return out;
    }

    /** The path with each segment encoded again (services other than S3 sign the encoded path's encoding). */
    static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        for (String segment : rawPath.split("/", -1)) {
            if (!sb.isEmpty() || rawPath.startsWith("/")) {
                sb.append('/');
            }
            sb.append(encode(segment));
        }
        String path = sb.toString();
        return path.startsWith("//") ? path.substring(1) : path;
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        Map<String, String> sorted = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            sorted.put(pair.substring(0, eq < 0 ? pair.length() : eq), eq < 0 ? "" : pair.substring(eq + 1));
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "&").append(k).append('=').append(v));
        return sb.toString();
    }

    /** RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
    public static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
