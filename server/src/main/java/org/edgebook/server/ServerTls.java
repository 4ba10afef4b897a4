package org.edgebook.server;

import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTPS for the settlement service from a PEM certificate (chain) and a PEM private key. The files are checked before
 * the service starts, so a wrong file stops it with an error naming that file instead of failing every handshake.
 * Stateless; thread-safe.
 */
final class ServerTls {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private ServerTls() {
    }

    /**
     * Checks the pair (both or neither; readable; a certificate; an unencrypted key that matches it when it is
     * PKCS#8) and gives Vert.x's options for it, or {@code null} when neither is given (plain HTTP).
     *
     * @throws IOException naming the file that is missing, unreadable or not what it should be
     */
    static PemKeyCertOptions check(final Path cert, final Path key) throws IOException {
        if (cert == null && key == null) {
            return null;
        }
        if (cert == null || key == null) {
            throw new IOException("TLS needs both a certificate and a key: " + (cert == null
                    ? "the key " + key + " was given without --tls-cert" : "the certificate " + cert
                            + " was given without --tls-key"));
        }
        final X509Certificate certificate = certificate(cert);
        final String keyText = read(key, "TLS key");
        if (keyText.contains("ENCRYPTED PRIVATE KEY")) {
            throw new IOException("TLS key " + key + ": the key is encrypted; give an unencrypted PEM key "
                    + "(openssl pkey -in " + key + " -out plain.pem)");
        }
        if (!keyText.matches("(?s).*-----BEGIN [A-Z ]*PRIVATE KEY-----.*")) {
            throw new IOException("TLS key " + key + ": no PEM private key in it (-----BEGIN PRIVATE KEY-----)");
        }
        final Matcher pkcs8 = PKCS8.matcher(keyText);
        if (pkcs8.find()) {
            matches(certificate, pkcs8(key, pkcs8.group(1)), cert, key);
        }
        return new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString());
    }

    private static String read(final Path file, final String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + " " + file + ": no such file");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (final IOException e) {
            throw new IOException(what + " " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static X509Certificate certificate(final Path cert) throws IOException {
        final String text = read(cert, "TLS certificate");
        try {
            final Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
            if (chain.isEmpty() || !text.contains("-----BEGIN CERTIFICATE-----")) {
                throw new IOException("TLS certificate " + cert + ": no PEM certificate in it "
                        + "(-----BEGIN CERTIFICATE-----)");
            }
            return (X509Certificate) chain.iterator().next();
        } catch (final GeneralSecurityException e) {
            throw new IOException("TLS certificate " + cert + ": not a readable PEM certificate: " + e.getMessage(),
                    e);
        }
    }

    private static PrivateKey pkcs8(final Path key, final String base64) throws IOException {
        final byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(base64);
        } catch (final IllegalArgumentException e) {
            throw new IOException("TLS key " + key + ": the PEM body is not base64", e);
        }
        for (final String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (final GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException("TLS key " + key + ": not an RSA, EC or EdDSA private key");
    }

    /** Signs with the key and verifies with the certificate: a key from another pair fails every handshake. */
    private static void matches(final X509Certificate certificate, final PrivateKey privateKey, final Path cert,
                                final Path key) throws IOException {
        final String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> privateKey.getAlgorithm();
        };
        try {
            final byte[] probe = "edgebook".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IOException("TLS key " + key + " does not belong to the certificate " + cert);
            }
        } catch (final GeneralSecurityException e) {
            throw new IOException("TLS key " + key + " does not belong to the certificate " + cert + ": "
                    + e.getMessage(), e);
        }
    }
}
