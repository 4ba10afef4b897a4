package org.edgebook.control.modules;

/**
 * A module version in the registry (without its bytes, which are stored once per {@code sha256}): its manifest, the
 * key that signed it and the signature (base64), its size in bytes and when it was uploaded.
 * <p>
 * Threading: immutable.
 */
public record ModuleVersion(Manifest manifest, String sha256, String keyId, String signature, long size,
                            long uploadedAt) {
    public String name() {
        return manifest.name();
    }

    public String version() {
        return manifest.version();
    }
}
