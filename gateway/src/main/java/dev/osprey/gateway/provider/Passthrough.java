package dev.osprey.gateway.provider;

/**
 * A provider-native call: which provider family's wire the body is in (openai, anthropic, gemini) and the path to
 * post it to under the provider's base URL. The body and the answer stay in that provider's own format.
 */
public record Passthrough(String family, String path) {}
