package org.edgebook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.journal.OwnerOnly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgebook sign}: signs a command with an account's Ed25519 client key (docs/signing.md) for curl users: reads
 * the command JSON (a file, or stdin), sets {@code signedAt} (now, or {@code --at}) and the signature, and prints the
 * signed command as canonical JSON on one line. {@code --new-key FILE} makes a key pair instead: the private key to
 * {@code FILE} (PKCS#8 PEM, born {@code rw-------}, never overwritten) and, on stdout, the body of
 * {@code POST /v1/admin/keys} that registers its public key.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a command with a client key (Ed25519), or make a key pair (--new-key).")
final class SignCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--key", paramLabel = "FILE", description = "The Ed25519 private key, PKCS#8 PEM.")
    private Path key;

    @Option(names = "--at", paramLabel = "MILLIS", description = "signedAt, ms since the epoch (default: now).")
    private Long at;

    @Option(names = "--new-key", paramLabel = "FILE", description = "Make a key pair: the private key to FILE, "
            + "the registration body (account and publicKey) to stdout.")
    private Path newKey;

    @Option(names = "--account", paramLabel = "NAME", description = "With --new-key: the account to name in the "
            + "registration body.")
    private String account;

    @Parameters(arity = "0..1", paramLabel = "COMMAND", description = "The command JSON file (default, or -: stdin).")
    private String command;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (newKey != null) {
            if (key != null || command != null || at != null) {
                err.println("edgebook sign: --new-key FILE makes a key pair and signs nothing");
                return 2;
            }
            final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            writeNew(newKey, TransactionSignature.pem(pair.getPrivate()));
            final byte[] raw = TransactionSignature.raw(pair.getPublic());
            final Map<String, Object> body = new LinkedHashMap<>();
            if (account != null) {
                body.put("account", account);
            }
            body.put("publicKey", Base64.getEncoder().encodeToString(raw));
            out.println(CanonicalJson.write(body));
            err.println("edgebook: key " + TransactionSignature.keyId(raw) + " written to " + newKey
                    + "; register it with POST /v1/admin/keys and the body above");
            out.flush();
            return 0;
        }
        if (key == null) {
            err.println("edgebook sign: give --key FILE (an Ed25519 private key, PKCS#8 PEM), or --new-key FILE");
            return 2;
        }
        final PrivateKey privateKey;
        try {
            privateKey = TransactionSignature.privateKey(Files.readString(key, StandardCharsets.US_ASCII));
        } catch (final IllegalArgumentException e) {
            err.println("edgebook sign: " + key + ": " + e.getMessage());
            return 1;
        }
        final byte[] text;
        if (command == null || command.equals("-")) {
            final InputStream in = System.in;
            text = in.readAllBytes();
        } else {
            text = Files.readAllBytes(Path.of(command));
        }
        final Map<String, Object> parsed;
        try {
            parsed = CanonicalJson.parseObject(text, 0, text.length);
        } catch (final IllegalArgumentException e) {
            err.println("edgebook sign: the command is not one a signature covers: " + e.getMessage());
            return 1;
        }
        final String keyId = TransactionSignature.keyId(publicKey(privateKey));
        out.println(CanonicalJson.write(TransactionSignature.sign(parsed, privateKey, keyId,
                at != null ? at : System.currentTimeMillis())));
        out.flush();
        return 0;
    }

    /**
     * The raw public key of an Ed25519 private key: the JDK derives it only when it makes a pair, so the pair is made
     * again from the private key's 32-byte seed, and checked to be the same private key.
     */
    static byte[] publicKey(final PrivateKey privateKey) throws GeneralSecurityException {
        final byte[] encoded = privateKey.getEncoded();
        final byte[] seed = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            @Override
            public void nextBytes(final byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
            }
        });
        final KeyPair pair = generator.generateKeyPair();
        if (!Arrays.equals(pair.getPrivate().getEncoded(), encoded)) {
            throw new GeneralSecurityException("cannot derive the public key of this private key (is it a plain "
                    + "PKCS#8 Ed25519 key?)");
        }
        return TransactionSignature.raw(pair.getPublic());
    }

    /**
     * Writes {@code text} to a new file born owner-only; an existing file is not overwritten. Written whole and forced
     * under a temporary name first, then linked into place, so a crash never leaves a cut-short key under the name.
     */
    private static void writeNew(final Path file, final String text) throws IOException {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            OwnerOnly.createDirectories(parent);
        }
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString());
        }
        final Path temporary = file.resolveSibling(file.getFileName() + ".new-" + ProcessHandle.current().pid());
        try {
            try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), OwnerOnly.file(temporary))) {
                final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.createLink(file, temporary); // fails if the name was taken meanwhile: nothing is overwritten
        } finally {
            Files.deleteIfExists(temporary);
        }
        if (parent != null) {
            try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
    }
}
