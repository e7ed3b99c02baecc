/**
 * Osprey's domain: values shared by the server, the stores and the SDK. No dependencies, no nulls: absent values are
 * {@link java.util.Optional} or empty collections.
 */
package dev.osprey.core;
