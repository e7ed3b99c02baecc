package dev.osprey.gateway.provider;

import java.net.URI;
import java.util.Map;

/** An HTTP POST to a provider: URL, headers (credentials included, so never logged) and JSON body. */
public record UpstreamRequest(URI uri, Map<String, String> headers, byte[] body) {
    public UpstreamRequest {
        headers = Map.copyOf(headers);
    }

    @Override
    public String toString() {
        return "UpstreamRequest[" + uri.getScheme() + "://" + uri.getHost() + uri.getPath() + "]";
    }
}
