package org.edgebook.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.codec.TransactionSignature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgebook publish}: a publisher's signing for curl users (docs/control-plane.md section 6). With a module and
 * its manifest, prints the body of {@code POST /v1/modules}: the manifest, the module's base64, the key id and the
 * signature of the module's SHA-256 and the manifest ({@link ModuleSignature}). With {@code --endorse NEW.pem}, prints
 * the body of {@code POST /v1/publishers/{publisher}/keys}: the new key, endorsed by {@code --key}. The keys are
 * PKCS#8 PEM files, as {@code edgebook sign --new-key} makes them. Signs offline: nothing is sent.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Sign a WebAssembly module and its manifest for POST /v1/modules, or endorse a publisher's new "
                + "key (--endorse).")
final class PublishCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "The publisher's Ed25519 private "
            + "key (PKCS#8 PEM).")
    private Path key;

    @Option(names = "--key-id", required = true, paramLabel = "ID", description = "Its id at the control plane "
            + "(pk-…, from POST /v1/publishers).")
    private String keyId;

    @Option(names = "--manifest", paramLabel = "FILE", description = "The manifest JSON: name, version, "
            + "convention (MEMORY or WAGI), limits.")
    private Path manifest;

    @Option(names = "--endorse", paramLabel = "FILE", description = "Endorse this new private key's public key "
            + "instead (a rotation); needs --publisher.")
    private Path endorse;

    @Option(names = "--publisher", paramLabel = "NAME", description = "With --endorse: the publisher's name.")
    private String publisher;

    @Parameters(arity = "0..1", paramLabel = "MODULE", description = "The WebAssembly module file.")
    private Path module;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Ed25519Key.Private signer;
        try {
            signer = Ed25519Key.Private.of(TransactionSignature.privateKey(Files.readString(key,
                    StandardCharsets.US_ASCII)));
        } catch (final IllegalArgumentException e) {
            err.println("edgebook publish: " + key + ": " + e.getMessage());
            return 1;
        }
        final Map<String, Object> body = new LinkedHashMap<>();
        if (endorse != null) {
            if (publisher == null || module != null || manifest != null) {
                err.println("edgebook publish: --endorse FILE takes --publisher NAME, and no module or manifest");
                return 2;
            }
            final PrivateKey next;
            try {
                next = TransactionSignature.privateKey(Files.readString(endorse, StandardCharsets.US_ASCII));
            } catch (final IllegalArgumentException e) {
                err.println("edgebook publish: " + endorse + ": " + e.getMessage());
                return 1;
            }
            final String nextKey = Base64.getEncoder().encodeToString(SignCommand.publicKey(next));
            body.put("publicKey", nextKey);
            body.put("endorsedBy", keyId);
            body.put("endorsement", ModuleSignature.endorse(signer, publisher, nextKey));
        } else {
            if (module == null || manifest == null) {
                err.println("edgebook publish: give the module file and --manifest FILE (or --endorse FILE)");
                return 2;
            }
            final byte[] manifestText = Files.readAllBytes(manifest);
            final Map<String, Object> parsed;
            try {
                parsed = CanonicalJson.parseObject(manifestText, 0, manifestText.length);
            } catch (final IllegalArgumentException e) {
                err.println("edgebook publish: " + manifest + ": " + e.getMessage());
                return 1;
            }
            final byte[] bytes = Files.readAllBytes(module);
            body.put("manifest", parsed);
            body.put("module", Base64.getEncoder().encodeToString(bytes));
            body.put("keyId", keyId);
            body.put("signature", ModuleSignature.sign(signer, ModuleSignature.sha256Hex(bytes), parsed));
        }
        out.println(CanonicalJson.write(body));
        out.flush();
        return 0;
    }
}
